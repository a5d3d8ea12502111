package dev.jacreg.report;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The report document model: Markdown written from title, intro and sections; sections placed before a heading. */
class ReportTest {
    private static final Report REPORT = new Report("Title", List.of("Intro paragraph."),
            List.of(Report.Section.of("Results", "| a |\n|---|\n| 1 |\n", "![figure](f.png)"),
                    Report.Section.of("Settings", "| setting | value |")));

    @Test
    void markdownHasTheTitleThenEachSectionsHeadingAndBlocksSeparatedByBlankLines() {
        assertEquals("# Title\n\nIntro paragraph.\n\n## Results\n\n| a |\n|---|\n| 1 |\n\n![figure](f.png)\n\n"
                + "## Settings\n\n| setting | value |\n", MarkdownWriter.render(REPORT));
    }

    @Test
    void sectionsInsertedBeforeAHeadingKeepTheirOrderAndGoLastWithoutIt() {
        List<Report.Section> more = List.of(Report.Section.of("A", "a"), Report.Section.of("B", "b"));
        assertEquals(List.of("Results", "A", "B", "Settings"),
                REPORT.insertBefore("Settings", more).sections().stream().map(Report.Section::heading).toList());
        assertEquals(List.of("Results", "Settings", "A", "B"),
                REPORT.insertBefore("Files", more).sections().stream().map(Report.Section::heading).toList());
        assertEquals(2, REPORT.sections().size(), "the report itself is unchanged");
    }

    @Test
    void aFragmentWithoutTitleStartsWithItsFirstSectionAndEmptyBlocksAreDropped() {
        assertEquals("## Only\n\ntext\n", MarkdownWriter.render(Report.of(List.of(Report.Section.of("Only", "text\n", "  ")))));
        assertThrows(IllegalArgumentException.class, () -> Report.Section.of(" "));
    }
}
