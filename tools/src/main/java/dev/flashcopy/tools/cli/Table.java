package dev.flashcopy.tools.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * An aligned text table, as {@code lsvol} prints it: a header row, then rows, columns two spaces
 * apart; numeric-looking columns may be right-aligned. Not thread-safe; build, print, discard.
 */
final class Table {
    private final List<String[]> rows = new ArrayList<>();
    private final boolean[] rightAligned;
    private final int columns;

    Table(String... headers) {
        this.columns = headers.length;
        this.rightAligned = new boolean[headers.length];
        rows.add(headers);
    }

    Table alignRight(int column) {
        rightAligned[column] = true;
        return this;
    }

    Table row(String... cells) {
        if (cells.length != columns) {
            throw new IllegalArgumentException("cells: " + cells.length + " (expected: " + columns + ")");
        }
        rows.add(cells);
        return this;
    }

    void print(PrintWriter out) {
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                if (i > 0) {
                    line.append("  ");
                }
                String pad = " ".repeat(width[i] - r[i].length());
                // The last left-aligned column is not padded, so lines carry no trailing blanks.
                line.append(rightAligned[i] ? pad + r[i] : (i == columns - 1 ? r[i] : r[i] + pad));
            }
            out.println(line);
        }
        out.flush();
    }
}
