// Writes (or, with --check, verifies) the generated parts of README.md and docs/*.md, and checks that every relative
// link in README.md, CHANGELOG.md, docs/*.md and bench/**/README.md resolves. So no number in the docs can drift
// from the results file it comes from: `make docs` rewrites, the test suite (DocsTest) checks.
//
//   java -cp core/cli/target/classes:core/target/classes:core/target/lib/*:core/cli/target/lib/* tools/Docs.java [--check] [ROOT]
//
// A generated part is everything between <!-- generated: NAME ARG... --> and the next <!-- /generated -->; the
// generator NAME rewrites it from its arguments. Paths are relative to ROOT; a path segment LATEST stands for the
// dated folder named by the one-line file LATEST beside it (bench/results/<study>/LATEST), so the docs always quote
// the latest run. Generators:
//
//   table PATH [N]               the N-th (default 1st) Markdown table of a results file
//   figure PATH ALT...           an image link to PATH
//   link PATH [TEXT...]          a link to PATH (the text defaults to the resolved path)
//   csv PATH ROW COLUMN [FMT] [xK]  one cell of a CSV file (the row whose first cells are ROW, comma-joined), printf-formatted,
//                                   multiplied by K first
//   field PATH KEY               the value of "- KEY: value", "KEY: value" or "| KEY | value |" in a text file
//   date PATH                    the dated folder PATH's LATEST resolves to
//   replicate-summary STUDY      one sentence on a replicate study's folder (paired difference, norm ratio)
//   loops-table PATH             a row per study listed in PATH (a CSV: folder,loop,options[,bursts]): the
//                                training loops compared
//   quickstart                   how long make run / make test take on a clean machine, and the experiment alone
//   cli [COMMAND]                the usage text of `jacreg [COMMAND] --help` (needs the built classes)

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

public class Docs {
    /** A generated part; markers quoted in backticks (documentation about the markers) are not parts. */
    static final Pattern BLOCK = Pattern.compile("(?<!`)<!-- generated: (.*?) -->(.*?)(?<!`)<!-- /generated -->", Pattern.DOTALL);
    static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    static final int USAGE_WIDTH = 100;

    final Path root;
    final List<String> problems = new ArrayList<>();

    Docs(Path root) {
        this.root = root;
    }

    public static void main(String[] args) throws IOException {
        boolean check = args.length > 0 && args[0].equals("--check");
        Path root = Path.of(args.length > (check ? 1 : 0) ? args[check ? 1 : 0] : ".").toAbsolutePath().normalize();
        Docs docs = new Docs(root);
        for (Path file : docs.generatedFiles()) docs.regenerate(file, check);
        for (Path file : docs.linkedFiles()) docs.checkLinks(file);
        docs.problems.forEach(p -> System.err.println("docs: " + p));
        if (!docs.problems.isEmpty()) {
            if (check) System.err.println("docs: run 'make docs' to regenerate, and fix the links by hand");
            System.exit(1);
        }
    }

    List<Path> generatedFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.isRegularFile(root.resolve("README.md"))) files.add(root.resolve("README.md"));
        Path docs = root.resolve("docs");
        if (Files.isDirectory(docs)) {
            try (Stream<Path> s = Files.list(docs)) {
                s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
            }
        }
        return files;
    }

    List<Path> linkedFiles() throws IOException {
        List<Path> files = new ArrayList<>(generatedFiles());
        if (Files.isRegularFile(root.resolve("CHANGELOG.md"))) files.add(root.resolve("CHANGELOG.md"));
        Path bench = root.resolve("bench");
        if (Files.isDirectory(bench)) {
            try (Stream<Path> s = Files.walk(bench)) {
                s.filter(p -> p.getFileName().toString().equals("README.md")).sorted().forEach(files::add);
            }
        }
        return files;
    }

    void regenerate(Path file, boolean check) throws IOException {
        String text = Files.readString(file);
        Matcher m = BLOCK.matcher(text);
        StringBuilder out = new StringBuilder();
        int stale = 0;
        while (m.find()) {
            String spec = m.group(1).trim();
            String now;
            try {
                now = generate(file.getParent(), spec);
            } catch (RuntimeException | IOException e) {
                problems.add(rel(file) + ": <!-- generated: " + spec + " -->: " + e.getMessage());
                now = m.group(2);
            }
            if (!now.equals(m.group(2))) {
                stale++;
                if (check) problems.add(rel(file) + ": <!-- generated: " + spec + " --> differs from what its source gives now");
            }
            m.appendReplacement(out, Matcher.quoteReplacement("<!-- generated: " + spec + " -->" + now + "<!-- /generated -->"));
        }
        m.appendTail(out);
        if (!check && stale > 0) {
            Files.writeString(file, out.toString());
            System.err.println("docs: " + rel(file) + ": " + stale + " generated part(s) rewritten");
        }
    }

    /** The text between the markers: a block (tables, code) starts and ends with a newline, inline text does not. */
    String generate(Path docDir, String spec) throws IOException {
        String[] a = spec.split("\\s+");
        String[] rest = Arrays.copyOfRange(a, 1, a.length);
        return switch (a[0]) {
            case "table" -> block(table(read(arg(rest, 0)), rest.length > 1 ? Integer.parseInt(rest[1]) : 1, arg(rest, 0)));
            case "figure" -> "![" + String.join(" ", Arrays.copyOfRange(rest, 1, rest.length)) + "](" + href(docDir, arg(rest, 0)) + ")";
            case "link" -> "[" + (rest.length > 1 ? String.join(" ", Arrays.copyOfRange(rest, 1, rest.length))
                    : rel(resolve(arg(rest, 0)))) + "](" + href(docDir, arg(rest, 0)) + ")";
            case "csv" -> csvCell(rest);
            case "field" -> field(read(arg(rest, 0)), String.join(" ", Arrays.copyOfRange(rest, 1, rest.length)), arg(rest, 0));
            case "date" -> resolve(arg(rest, 0)).getFileName().toString();
            case "replicate-summary" -> replicateSummary(resolve(arg(rest, 0)));
            case "loops-table" -> block(loopsTable(docDir, arg(rest, 0)));
            case "quickstart" -> quickstart();
            case "cli" -> block("```\n" + usage(rest.length > 0 ? rest[0] : null) + "```");
            default -> throw new IllegalArgumentException("unknown generator '" + a[0] + "'");
        };
    }

    static String block(String s) {
        return "\n" + s.strip() + "\n";
    }

    static String arg(String[] args, int i) {
        if (i >= args.length) throw new IllegalArgumentException("missing argument " + (i + 1));
        return args[i];
    }

    /** ROOT-relative PATH with every LATEST segment replaced by the folder its LATEST file names. */
    Path resolve(String path) throws IOException {
        Path p = root;
        for (String segment : path.split("/")) {
            if (segment.equals("LATEST")) {
                Path latest = p.resolve("LATEST");
                if (!Files.isRegularFile(latest)) throw new IOException("no " + rel(latest));
                segment = Files.readString(latest).strip();
            }
            p = p.resolve(segment);
        }
        if (!Files.exists(p)) throw new IOException("no " + rel(p));
        return p;
    }

    String read(String path) throws IOException {
        return Files.readString(resolve(path), StandardCharsets.UTF_8);
    }

    String href(Path docDir, String path) throws IOException {
        return docDir.relativize(resolve(path)).toString().replace('\\', '/');
    }

    String rel(Path p) {
        return root.relativize(p).toString().replace('\\', '/');
    }

    static String table(String markdown, int n, String source) {
        List<String> lines = markdown.lines().toList();
        int found = 0;
        for (int i = 0; i < lines.size(); i++) {
            boolean starts = lines.get(i).startsWith("|") && (i == 0 || !lines.get(i - 1).startsWith("|"));
            if (starts && ++found == n) {
                StringBuilder t = new StringBuilder();
                for (int j = i; j < lines.size() && lines.get(j).startsWith("|"); j++) t.append(lines.get(j)).append('\n');
                return t.toString();
            }
        }
        throw new IllegalArgumentException(source + " has " + found + " table(s), not " + n);
    }

    record Csv(List<String> header, List<List<String>> rows) {
        static Csv parse(String text) {
            List<List<String>> all = text.lines().filter(l -> !l.isBlank()).map(l -> List.of(l.split(",", -1))).toList();
            return new Csv(all.get(0), all.subList(1, all.size()));
        }

        String cell(String row, String column) {
            int c = header.indexOf(column);
            if (c < 0) throw new IllegalArgumentException("no column '" + column + "' in " + header);
            // ROW names the first cell, or the first cells joined by commas ("jacobian,2")
            for (List<String> r : rows) if (String.join(",", r).startsWith(row + ",")) return r.get(c);
            throw new IllegalArgumentException("no row '" + row + "'");
        }

        double number(String row, String column) {
            return Double.parseDouble(cell(row, column));
        }

        double[] column(String column) {
            int c = header.indexOf(column);
            if (c < 0) throw new IllegalArgumentException("no column '" + column + "' in " + header);
            return rows.stream().mapToDouble(r -> Double.parseDouble(r.get(c))).toArray();
        }
    }

    String csvCell(String[] a) throws IOException {
        String cell = Csv.parse(read(arg(a, 0))).cell(arg(a, 1), arg(a, 2));
        if (a.length < 4) return cell;
        double scale = a.length > 4 && a[4].startsWith("x") ? Double.parseDouble(a[4].substring(1)) : 1;
        return String.format(Locale.ROOT, a[3], Double.parseDouble(cell) * scale);
    }

    static String field(String text, String key, String source) {
        Pattern p = Pattern.compile("^(?:- |\\| )?" + Pattern.quote(key) + "(?::| \\|) *(.*?) *\\|?$", Pattern.MULTILINE);
        Matcher m = p.matcher(text);
        if (!m.find()) throw new IllegalArgumentException("no '" + key + "' in " + source);
        return m.group(1);
    }

    // ---- the replicate studies ---------------------------------------------------------------------------------

    /** Paired difference regularized − reference at one noise level, in points: "+13.4 [+5.2, +21.6]". */
    static String difference(Csv summary, String noise) {
        return points(summary.number(noise, "mean_difference")) + " [" + points(summary.number(noise, "ci_low_difference"))
                + ", " + points(summary.number(noise, "ci_high_difference")) + "]";
    }

    static String points(double fraction) {
        String s = String.format(Locale.ROOT, "%+.1f", 100 * fraction);
        return s.equals("-0.0") ? "+0.0" : s.replace('-', '−');
    }

    record Norms(double ratio, int smaller, int n) {
        static Norms of(Csv norms) {
            double[] jr = norms.column("norm_jacobian"), ref = norms.column("norm_reference");
            int smaller = 0;
            for (int i = 0; i < jr.length; i++) if (jr[i] < ref[i]) smaller++;
            return new Norms(Arrays.stream(jr).average().orElseThrow() / Arrays.stream(ref).average().orElseThrow(), smaller, jr.length);
        }

        String ratioText() {
            return ratio >= 10 ? String.format(Locale.ROOT, "%.0f", ratio) : String.format(Locale.ROOT, "%.2f", ratio);
        }
    }

    static Csv csvIn(Path dir, String name) throws IOException {
        Path f = dir.resolve(name);
        if (!Files.isRegularFile(f)) throw new IOException("no " + f);
        return Csv.parse(Files.readString(f));
    }

    String replicateSummary(Path dir) throws IOException {
        Csv s = csvIn(dir, "accuracy-summary.csv");
        Norms norms = Norms.of(csvIn(dir, "jacobian-norms.csv"));
        String last = s.rows().get(s.rows().size() - 1).get(0);
        int n = (int) s.number(last, "replicates");
        return String.format(Locale.ROOT, "%d replicates: regularized − reference %s points on clean images, %s at p = 0.3 and "
                        + "%s at p = %s (ahead in %d of %d); the regularized net's mean ‖J‖²_F is %s× the reference's "
                        + "(smaller in %d of %d)",
                n, difference(s, "0"), difference(s, "0.3"), difference(s, last), last, (int) s.number(last, "jacobian_ahead"), n,
                norms.ratioText(), norms.smaller(), norms.n());
    }

    String loopsTable(Path docDir, String listPath) throws IOException {
        Path list = resolve(listPath);
        Csv rows = Csv.parse(Files.readString(list));
        boolean bursts = rows.header().contains("bursts");  // counted from training-loss.csv, which the runs do not keep
        StringBuilder t = new StringBuilder("| loop | options | seeds | regularized clean % | Δ at p = 0 | Δ at p = 0.3 "
                + "| Δ at p = 0.5 | ahead at 0.5 | norm ratio (smaller in) |" + (bursts ? " bursts |" : "")
                + "\n|---|---|---:|---:|---:|---:|---:|---:|---:|" + (bursts ? "---:|" : "") + "\n");
        for (List<String> r : rows.rows()) {
            Path dir = list.getParent().resolve(r.get(0)).normalize();
            Csv s = csvIn(dir, "accuracy-summary.csv");
            Norms norms = Norms.of(csvIn(dir, "jacobian-norms.csv"));
            int n = (int) s.number("0.5", "replicates");
            String options = r.get(2).isBlank() ? "(defaults)" : "`" + r.get(2) + "`";
            t.append(String.format(Locale.ROOT, "| [%s](%s) | %s | %d | %.2f | %s | %s | %s | %d/%d | %s (%d/%d) |\n", r.get(1),
                    docDir.relativize(dir).toString().replace('\\', '/'), options, n, 100 * s.number("0", "mean_jacobian"),
                    difference(s, "0"), difference(s, "0.3"), difference(s, "0.5"), (int) s.number("0.5", "jacobian_ahead"), n,
                    norms.ratioText(), norms.smaller(), norms.n()));
            if (bursts) t.insert(t.length() - 1, " " + r.get(rows.header().indexOf("bursts")) + " |");
        }
        return t.toString();
    }

    // ---- what a machine needs --------------------------------------------------------------------------------

    String quickstart() throws IOException {
        Csv clean = Csv.parse(read("bench/results/clean-machine/LATEST/timings.csv"));
        String machine = read("bench/results/clean-machine/LATEST/machine.txt");
        String cpu = field(machine, "cpu", "machine.txt"), cores = field(machine, "cores", "machine.txt");
        String load = machine.lines().anyMatch(l -> l.startsWith("load:")) ? ", load " + field(machine, "load", "machine.txt") : "";
        Csv experiment = Csv.parse(read("bench/results/compare/LATEST/experiment-1.csv"));
        String compareMachine = field(read("bench/results/compare/LATEST/experiment-1.md"), "machine", "experiment-1.md");
        return String.format(Locale.ROOT, "On a fresh machine (%s, %s cores%s, measured %s) the first `make run` took %s "
                        + "(installing the packages, building, and `experiment --epochs 1 --data synthetic:500,200`) and `make test` "
                        + "then %s (`.ci/clean-machine` measures both). On a machine already set up, "
                        + "the experiment alone (`bin/jacreg experiment`, defaults) takes %.0f s (%s, measured %s).",
                cpu, cores, load, resolve("bench/results/clean-machine/LATEST").getFileName(), minutes(clean.number("make_run_first", "seconds")),
                minutes(clean.number("make_test", "seconds")), experiment.number("experiment_1_s", "java_s"),
                compareMachine.split(";")[0].replaceAll(" \\(nproc: \\d+\\)", ""), resolve("bench/results/compare/LATEST").getFileName());
    }

    static String minutes(double seconds) {
        return String.format(Locale.ROOT, "%.0f min", seconds / 60);
    }

    // ---- the command line ------------------------------------------------------------------------------------

    /** `jacreg [COMMAND] --help` in-process, at a fixed width, without colours. */
    static String usage(String command) {
        try {
            Class<?> cli = Class.forName("dev.jacreg.cli.JacregCli");
            Object line = cli.getMethod("commandLine", PrintStream.class, PrintStream.class, BooleanSupplier.class)
                    .invoke(null, System.out, System.err, (BooleanSupplier) () -> false);
            Class<?> type = line.getClass();
            type.getMethod("setUsageHelpAutoWidth", boolean.class).invoke(line, false);
            type.getMethod("setUsageHelpWidth", int.class).invoke(line, USAGE_WIDTH);
            if (command != null) {
                Map<?, ?> subcommands = (Map<?, ?>) type.getMethod("getSubcommands").invoke(line);
                line = subcommands.get(command);
                if (line == null) throw new IllegalArgumentException("no command '" + command + "' (" + subcommands.keySet() + ")");
            }
            @SuppressWarnings({"unchecked", "rawtypes"})
            Object off = Enum.valueOf((Class) Class.forName("picocli.CommandLine$Help$Ansi"), "OFF");
            Method message = type.getMethod("getUsageMessage", off.getClass());
            String text = (String) message.invoke(line, off);
            return text.lines().map(String::stripTrailing).reduce("", (a, b) -> a + b + "\n");
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("the CLI's classes are not on the class path (build first: make build)");
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot get the usage text: " + (e.getCause() != null ? e.getCause() : e));
        }
    }

    // ---- links -----------------------------------------------------------------------------------------------

    /** The anchors GitHub gives a Markdown file's headings: lower case, punctuation dropped, spaces as hyphens. */
    static List<String> anchors(Path markdown) throws IOException {
        List<String> anchors = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(markdown)) {
            if (line.strip().startsWith("```")) fenced = !fenced;
            if (fenced || !line.startsWith("#")) continue;
            String heading = line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
            anchors.add(heading.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
        }
        return anchors;
    }

    void checkLinks(Path file) throws IOException {
        boolean fenced = false;
        int number = 0;
        for (String line : Files.readAllLines(file)) {
            number++;
            if (line.strip().startsWith("```")) fenced = !fenced;
            if (fenced) continue;
            Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", ""));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) continue;
                if (target.startsWith("#")) {
                    if (!anchors(file).contains(target.substring(1))) problems.add(rel(file) + ":" + number + ": no heading for " + target);
                    continue;
                }
                String path = target.replaceAll("#.*$", "");
                Path linked = file.getParent().resolve(path).normalize();
                if (!Files.exists(linked)) {
                    problems.add(rel(file) + ":" + number + ": link to " + target + " does not resolve");
                } else if (target.contains("#") && linked.toString().endsWith(".md")
                        && !anchors(linked).contains(target.substring(target.indexOf('#') + 1))) {
                    problems.add(rel(file) + ":" + number + ": link to " + target + ": no such heading");
                }
            }
        }
    }
}
