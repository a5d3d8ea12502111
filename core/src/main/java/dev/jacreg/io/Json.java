package dev.jacreg.io;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) parser and string writer, enough for safetensors headers.
 *
 * <p>Parsed values are {@code Map<String,Object>} (a {@link LinkedHashMap} in document order; duplicate keys are an
 * error), {@code List<Object>}, {@link String}, {@link Number} (the exact lexeme, see {@link Number#isInteger()}),
 * {@link Boolean} and {@link #NULL}.
 */
final class Json {
    /** The JSON {@code null} value. */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    private static final int MAX_DEPTH = 64;

    /** A JSON number kept as its lexeme. */
    record Number(String lexeme) {
        /** True when the lexeme has no fraction or exponent part. */
        boolean isInteger() {
            return lexeme.indexOf('.') < 0 && lexeme.indexOf('e') < 0 && lexeme.indexOf('E') < 0;
        }

        @Override
        public String toString() {
            return lexeme;
        }
    }

    /** A syntax error at a character offset of the input. */
    static final class ParseException extends Exception {
        private static final long serialVersionUID = 1L;
        final int offset;

        ParseException(String message, int offset) {
            super(message);
            this.offset = offset;
        }
    }

    private final String s;
    private int pos;

    private Json(String s) {
        this.s = s;
    }

    /**
     * Parses one JSON value; only whitespace may follow it.
     *
     * @throws ParseException with a message saying where (offset, line, column) and what went wrong
     */
    static Object parse(String text) throws ParseException {
        Json p = new Json(text);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.pos != text.length()) {
            throw p.error("unexpected " + p.describeHere() + " after the end of the top-level value");
        }
        return v;
    }

    /** Appends {@code value} as a JSON string literal (quotes and escapes; non-ASCII is written as is). */
    static void writeString(StringBuilder out, String value) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !isValidPairAt(value, i)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                        if (Character.isHighSurrogate(c)) {
                            out.append(value.charAt(++i));
                        }
                    }
                }
            }
        }
        out.append('"');
    }

    private static boolean isValidPairAt(String v, int i) {
        return Character.isHighSurrogate(v.charAt(i)) && i + 1 < v.length() && Character.isLowSurrogate(v.charAt(i + 1));
    }

    /** "offset 12 (line 1, column 13)" for a character offset of {@code text}. */
    static String describePosition(String text, int offset) {
        int line = 1;
        int col = 1;
        for (int i = 0; i < offset && i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        int from = Math.max(0, offset - 20);
        int to = Math.min(text.length(), offset + 20);
        String context = text.substring(from, to).replaceAll("[\\p{Cntrl}]", "?");
        return "offset " + offset + " (line " + line + ", column " + col + "), near \"" + context + "\"";
    }

    private Object value(int depth) throws ParseException {
        if (pos >= s.length()) {
            throw error("unexpected end of input, expected a value");
        }
        char c = s.charAt(pos);
        return switch (c) {
            case '{' -> object(depth + 1);
            case '[' -> array(depth + 1);
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", NULL);
            default -> {
                if (c == '-' || c >= '0' && c <= '9') {
                    yield number();
                }
                throw error("unexpected " + describeHere() + ", expected a value");
            }
        };
    }

    private Map<String, Object> object(int depth) throws ParseException {
        checkDepth(depth);
        pos++; // '{'
        Map<String, Object> map = new LinkedHashMap<>();
        skipWs();
        if (peek() == '}') {
            pos++;
            return map;
        }
        while (true) {
            skipWs();
            if (peek() != '"') {
                throw error("unexpected " + describeHere() + ", expected a string key");
            }
            int keyStart = pos;
            String key = string();
            skipWs();
            expect(':', "after object key");
            skipWs();
            Object v = value(depth);
            if (map.containsKey(key)) {
                pos = keyStart;
                throw error("duplicate key \"" + key + "\"");
            }
            map.put(key, v);
            skipWs();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return map;
            } else {
                throw error("unexpected " + describeHere() + ", expected ',' or '}' in object");
            }
        }
    }

    private List<Object> array(int depth) throws ParseException {
        checkDepth(depth);
        pos++; // '['
        List<Object> list = new ArrayList<>();
        skipWs();
        if (peek() == ']') {
            pos++;
            return list;
        }
        while (true) {
            skipWs();
            list.add(value(depth));
            skipWs();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return list;
            } else {
                throw error("unexpected " + describeHere() + ", expected ',' or ']' in array");
            }
        }
    }

    private String string() throws ParseException {
        pos++; // opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= s.length()) {
                throw error("unterminated string");
            }
            char c = s.charAt(pos);
            if (c == '"') {
                pos++;
                return sb.toString();
            }
            if (c < 0x20) {
                throw error(String.format("raw control character U+%04X in string (must be escaped)", (int) c));
            }
            if (c != '\\') {
                sb.append(c);
                pos++;
                continue;
            }
            pos++;
            if (pos >= s.length()) {
                throw error("unterminated escape sequence");
            }
            char e = s.charAt(pos);
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    char u = hex4(pos + 1);
                    pos += 4;
                    if (Character.isHighSurrogate(u)) {
                        if (pos + 2 < s.length() && s.charAt(pos + 1) == '\\' && s.charAt(pos + 2) == 'u') {
                            char low = hex4(pos + 3);
                            if (!Character.isLowSurrogate(low)) {
                                pos += 1;
                                throw error("high surrogate escape not followed by a low surrogate escape");
                            }
                            sb.append(u).append(low);
                            pos += 6;
                        } else {
                            throw error("lone high surrogate escape");
                        }
                    } else if (Character.isLowSurrogate(u)) {
                        throw error("lone low surrogate escape");
                    } else {
                        sb.append(u);
                    }
                }
                default -> throw error("invalid escape '\\" + printable(e) + "' in string");
            }
            pos++;
        }
    }

    private char hex4(int at) throws ParseException {
        if (at + 4 > s.length()) {
            pos = Math.min(at, s.length());
            throw error("truncated \\u escape");
        }
        int v = 0;
        for (int i = at; i < at + 4; i++) {
            int d = Character.digit(s.charAt(i), 16);
            if (d < 0 || s.charAt(i) > 'f') {
                pos = i;
                throw error("invalid hex digit " + describeHere() + " in \\u escape");
            }
            v = v * 16 + d;
        }
        return (char) v;
    }

    private Number number() throws ParseException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
            if (isDigit(peek())) {
                throw error("leading zero in number");
            }
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                pos++;
            }
        } else {
            throw error("unexpected " + describeHere() + ", expected a digit");
        }
        if (peek() == '.') {
            pos++;
            if (!isDigit(peek())) {
                throw error("unexpected " + describeHere() + ", expected a digit after '.'");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("unexpected " + describeHere() + ", expected a digit in exponent");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        return new Number(s.substring(start, pos));
    }

    private Object literal(String word, Object v) throws ParseException {
        if (!s.startsWith(word, pos)) {
            throw error("unexpected " + describeHere() + ", expected a value");
        }
        pos += word.length();
        return v;
    }

    private void expect(char c, String where) throws ParseException {
        if (peek() != c) {
            throw error("unexpected " + describeHere() + ", expected '" + c + "' " + where);
        }
        pos++;
    }

    private void checkDepth(int depth) throws ParseException {
        if (depth > MAX_DEPTH) {
            throw error("nesting deeper than " + MAX_DEPTH + " levels");
        }
    }

    private void skipWs() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    /** Current character, or {@code '\0'} at end of input (never valid where it is checked). */
    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\0';
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private String describeHere() {
        return pos >= s.length() ? "end of input" : "character '" + printable(s.charAt(pos)) + "'";
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7f ? String.format("\\u%04x", (int) c) : String.valueOf(c);
    }

    private ParseException error(String message) {
        return new ParseException(message, pos);
    }
}
