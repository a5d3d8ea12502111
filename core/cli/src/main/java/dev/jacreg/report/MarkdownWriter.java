package dev.jacreg.report;

import java.util.List;

/**
 * Writes a {@link Report} as Markdown: {@code # title}, the intro blocks, then {@code ## heading} and blocks per section,
 * blocks separated by one blank line, the text ending in one newline.
 */
public final class MarkdownWriter {
    private MarkdownWriter() {}

    public static String render(Report report) {
        StringBuilder md = new StringBuilder();
        if (report.title() != null) md.append("# ").append(report.title()).append("\n\n");
        blocks(md, report.intro());
        for (Report.Section s : report.sections()) {
            md.append("## ").append(s.heading()).append("\n\n");
            blocks(md, s.blocks());
        }
        return md.toString().stripTrailing() + "\n";
    }

    private static void blocks(StringBuilder md, List<String> blocks) {
        for (String b : blocks) md.append(b).append("\n\n");
    }
}
