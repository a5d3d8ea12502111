package dev.jacreg.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    @Test
    void parsesAllValueKinds() throws Json.ParseException {
        Object v = Json.parse(" {\"a\" : [1, -2.5e3, true, false, null], \"s\":\"x\\u00e9\\ud83d\\ude00\\n\\/\"}\n ");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("a", "s"), List.copyOf(m.keySet()));
        List<?> a = (List<?>) m.get("a");
        assertEquals(new Json.Number("1"), a.get(0));
        assertTrue(((Json.Number) a.get(0)).isInteger());
        assertEquals(false, ((Json.Number) a.get(1)).isInteger());
        assertEquals(List.of(Boolean.TRUE, Boolean.FALSE, Json.NULL), a.subList(2, 5));
        assertEquals("xé😀\n/", m.get("s"));
    }

    @Test
    void rejectsInvalidInput() {
        for (String bad : new String[] {"", "{", "[1,]", "{\"a\"}", "\"\\ud83d\"", "\"\\ude00\"", "\"a\u0001\"",
                "1.", "-", "1e", "tru", "{\"a\":1}}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}) {
            assertThrows(Json.ParseException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void writeStringEscapesAndRoundTrips() throws Json.ParseException {
        String s = "q\"b\\n\nt\tc\u0001e\u007f😀λ";
        StringBuilder sb = new StringBuilder();
        Json.writeString(sb, s);
        assertEquals("\"q\\\"b\\\\n\\nt\\tc\\u0001e\\u007f😀λ\"", sb.toString());
        assertEquals(s, Json.parse(sb.toString()));
    }

    @Test
    void errorPositionIsReported() {
        Json.ParseException e = assertThrows(Json.ParseException.class, () -> Json.parse("{\n  \"a\": x}"));
        assertEquals(9, e.offset);
        assertTrue(Json.describePosition("{\n  \"a\": x}", e.offset).startsWith("offset 9 (line 2, column 8)"));
    }
}
