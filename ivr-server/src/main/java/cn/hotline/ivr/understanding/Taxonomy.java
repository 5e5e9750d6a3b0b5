package cn.hotline.ivr.understanding;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A category tree (TSV: level1, level2, level3, header line first) turned into knowledge terms for the
 * classifier: every level-2 and level-3 name, and the two-character words of names made of 2-character
 * words (园林绿化环卫 → 园林, 绿化, 环卫), each pointing at its level-1 class.
 */
public final class Taxonomy {
    private Taxonomy() {
    }

    public static List<String[]> terms(Path tsv) throws IOException {
        if (!Files.isRegularFile(tsv)) {
            throw new IOException(tsv + ": no such file (expected a TSV with columns level1, level2, level3)");
        }
        Set<String> seen = new LinkedHashSet<>();
        List<String[]> out = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException(tsv + ": not UTF-8 text (convert it first, e.g. iconv -f GBK -t UTF-8)");
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = i == 0 && lines.get(0).startsWith("\uFEFF") ? lines.get(0).substring(1) : lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            String[] cols = line.split("\t");
            if (cols.length < 2) {
                throw new IOException(tsv + ":" + (i + 1) + ": expected TAB-separated columns level1, level2[, level3]"
                        + " with a header line first" + (line.strip().startsWith("{") ? "; this looks like JSON lines,"
                        + " --taxonomy takes the category tree TSV" : ""));
            }
            if (i == 0 || cols[0].isBlank()) {
                continue; // the header line
            }
            String level1 = cols[0].strip();
            for (int c = 1; c < cols.length; c++) {
                String name = cols[c].strip();
                if (name.equals("其他") || name.length() < 2) {
                    continue;
                }
                add(out, seen, name, level1);
                if (name.length() % 2 == 0 && name.length() > 2 && name.codePoints().allMatch(Character::isIdeographic)) {
                    for (int k = 0; k < name.length(); k += 2) {
                        add(out, seen, name.substring(k, k + 2), level1);
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new IOException(tsv + ": no category rows below the header (expected columns level1, level2, level3)");
        }
        return out;
    }

    private static void add(List<String[]> out, Set<String> seen, String term, String label) {
        if (seen.add(term + "\t" + label)) {
            out.add(new String[] {term, label});
        }
    }
}
