package dev.jacreg.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Prints JMH's JSON result file (-rf json) as a markdown table with the median next to the score:
 * {@code JmhTable bench/results/jmh.json [out.md]}. For sample-time benchmarks the median is over all
 * samples (p0.50); for average-time ones it is the median of the iteration means. Error is JMH's
 * 99.9 % confidence half-width of the score.
 */
public final class JmhTable {
    private JmhTable() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: JmhTable results.json [table.md]");
            System.exit(2);
        }
        String table = render(Files.readString(Path.of(args[0])));
        System.out.print(table);
        if (args.length > 1) Files.writeString(Path.of(args[1]), table);
    }

    @SuppressWarnings("unchecked")
    static String render(String json) {
        List<Object> runs = (List<Object>) new Parser(json).value();
        StringBuilder out = new StringBuilder();
        out.append("| benchmark | params | mode | median | score | ± error (99.9%) | p90 | unit | threads (libtorch) |\n");
        out.append("|---|---|---|---:|---:|---:|---:|---|---|\n");
        for (Object o : runs) {
            Map<String, Object> run = (Map<String, Object>) o;
            String name = ((String) run.get("benchmark")).replaceFirst("^dev\\.jacreg\\.bench\\.", "");
            StringJoiner params = new StringJoiner(", ");
            Object p = run.get("params");
            if (p instanceof Map<?, ?> map) map.forEach((k, v) -> params.add(k + "=" + v));
            Map<String, Object> metric = (Map<String, Object>) run.get("primaryMetric");
            Map<String, Object> percentiles = (Map<String, Object>) metric.getOrDefault("scorePercentiles", Map.of());
            String threads = "1 (default)";
            Object jvmArgs = run.get("jvmArgs");
            if (jvmArgs instanceof List<?> list) {
                for (Object arg : list) {
                    String s = String.valueOf(arg);
                    if (s.startsWith("-Djacreg.threads=")) threads = s.substring("-Djacreg.threads=".length());
                }
            }
            out.append("| ").append(name)
                    .append(" | ").append(params)
                    .append(" | ").append(run.get("mode"))
                    .append(" | ").append(fmt(percentiles.get("50.0")))
                    .append(" | ").append(fmt(metric.get("score")))
                    .append(" | ").append(fmt(metric.get("scoreError")))
                    .append(" | ").append(fmt(percentiles.get("90.0")))
                    .append(" | ").append(metric.get("scoreUnit"))
                    .append(" | ").append(threads)
                    .append(" |\n");
        }
        return out.toString();
    }

    private static String fmt(Object value) {
        if (!(value instanceof Double d) || d.isNaN()) return "";
        double a = Math.abs(d);
        if (a >= 100) return String.format(Locale.ROOT, "%.1f", d);
        if (a >= 1) return String.format(Locale.ROOT, "%.3f", d);
        return String.format(Locale.ROOT, "%.4g", d);
    }

    /** Just enough JSON for JMH's result files: objects, arrays, strings, numbers, literals. */
    static final class Parser {
        private final String s;
        private int i;

        Parser(String s) {
            this.s = s;
        }

        Object value() {
            skip();
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    Map<String, Object> map = new LinkedHashMap<>();
                    i++;
                    skip();
                    if (s.charAt(i) == '}') { i++; return map; }
                    while (true) {
                        skip();
                        String key = string();
                        skip();
                        expect(':');
                        map.put(key, value());
                        skip();
                        if (s.charAt(i) == ',') { i++; continue; }
                        expect('}');
                        return map;
                    }
                }
                case '[': {
                    List<Object> list = new ArrayList<>();
                    i++;
                    skip();
                    if (s.charAt(i) == ']') { i++; return list; }
                    while (true) {
                        list.add(value());
                        skip();
                        if (s.charAt(i) == ',') { i++; continue; }
                        expect(']');
                        return list;
                    }
                }
                case '"':
                    return string();
                default:
                    int start = i;
                    while (i < s.length() && ",}] \n\r\t".indexOf(s.charAt(i)) < 0) i++;
                    String token = s.substring(start, i);
                    return switch (token) {
                        case "true" -> Boolean.TRUE;
                        case "false" -> Boolean.FALSE;
                        case "null" -> null;
                        case "NaN", "\"NaN\"" -> Double.NaN;
                        default -> Double.parseDouble(token);
                    };
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (s.charAt(i) != '"') {
                char c = s.charAt(i++);
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> { b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
            i++;
            return b.toString();
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }

        private void expect(char c) {
            if (s.charAt(i) != c) throw new IllegalArgumentException("expected '" + c + "' at " + i + " in JMH JSON");
            i++;
        }
    }
}
