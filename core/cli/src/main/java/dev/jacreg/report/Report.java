package dev.jacreg.report;

import java.util.ArrayList;
import java.util.List;

/**
 * A report document: a title, the paragraphs under it, and ordered sections. It is built from results and written
 * once, by {@link MarkdownWriter}; the tables and figures a block links to have their own writers (CSV, PNG).
 *
 * @param title    the document's heading; null for a fragment of sections alone (e.g. robustness.md)
 * @param intro    Markdown blocks between the title and the first section
 * @param sections in the order they are written
 */
public record Report(String title, List<String> intro, List<Section> sections) {
    public Report {
        intro = List.copyOf(intro);
        sections = List.copyOf(sections);
    }

    /** Sections alone, without a title. */
    public static Report of(List<Section> sections) {
        return new Report(null, List.of(), sections);
    }

    /**
     * One section: a level-2 heading and its Markdown blocks (paragraphs, tables, figures, level-3 sub-headings), each
     * written as one block separated by a blank line.
     */
    public record Section(String heading, List<String> blocks) {
        public Section {
            if (heading == null || heading.isBlank()) throw new IllegalArgumentException("a section needs a heading");
            blocks = List.copyOf(blocks.stream().map(String::strip).filter(b -> !b.isEmpty()).toList());
        }

        public static Section of(String heading, String... blocks) {
            return new Section(heading, List.of(blocks));
        }

        /** This section with {@code more} blocks appended. */
        public Section with(List<String> more) {
            List<String> all = new ArrayList<>(blocks);
            all.addAll(more);
            return new Section(heading, all);
        }
    }

    /**
     * This report with {@code more} sections placed before the first section headed {@code heading} (at the end when
     * there is none): e.g. the measurements made after training go before the Settings.
     */
    public Report insertBefore(String heading, List<Section> more) {
        List<Section> all = new ArrayList<>(sections);
        int at = all.size();
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).heading().equals(heading)) {
                at = i;
                break;
            }
        }
        all.addAll(at, more);
        return new Report(title, intro, all);
    }
}
