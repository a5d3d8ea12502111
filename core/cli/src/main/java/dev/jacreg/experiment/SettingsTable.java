package dev.jacreg.experiment;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Settings section of report.md, single run and replicates alike: one row per {@link RunSetting} (so every
 * report shows every setting), then the rows a report adds about its own run (counts, machine).
 */
final class SettingsTable {
    private SettingsTable() {}

    /**
     * The section's table for {@code settings} (the heading is {@link ReportMarkdown#SETTINGS}).
     *
     * @param instead   values to show instead of a setting's own, e.g. every replicate's seed for {@link RunSetting#SEED}
     * @param extraRows the report's own rows (name to value), after the settings, in the map's order
     */
    static String table(RunSettings settings, Map<RunSetting<?>, String> instead, Map<String, String> extraRows) {
        StringBuilder md = new StringBuilder("| setting | value |\n|---|---|\n");
        for (RunSetting<?> s : RunSetting.ALL) row(md, s.description(), instead.getOrDefault(s, s.show(settings)));
        extraRows.forEach((name, value) -> row(md, name, value));
        return md.append('\n').toString();
    }

    /** The rows about a run rather than its nets' settings: planned iterations, the data set, the evaluation's noise. */
    static Map<String, String> runRows(ExperimentResult r) {
        int planned = r.models().get(0).training().plannedIterations();  // the same for every model
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("iterations per net", Formats.count(planned) + " planned ("
                + Formats.count(planned / Math.max(1, r.config().training().epochs()))
                + " per epoch, last partial batch dropped)");
        rows.put("data set", r.environment().dataDescription());
        rows.put("training / test images", Formats.count(r.environment().trainCount()) + " / "
                + Formats.count(r.environment().testCount()));
        rows.put("noise levels", String.join(", ", Arrays.stream(r.noiseLevels()).mapToObj(Formats::number).toList()));
        rows.put("single-image noise", Formats.number(r.config().exampleNoise()));
        return rows;
    }

    /** One "| name | value |" row, a '|' in the value escaped. */
    static void row(StringBuilder md, String name, String value) {
        md.append("| ").append(name).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }
}
