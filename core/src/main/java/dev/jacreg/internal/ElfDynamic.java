package dev.jacreg.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The two dynamic-section entries of a 64-bit little-endian ELF shared library that say where its
 * libtorch is: the libraries it needs (DT_NEEDED, e.g. {@code libtorch.so.1.13}) and its run path
 * (DT_RUNPATH, or the older DT_RPATH; {@code $ORIGIN} resolved). Read so that a failed load can name
 * the libtorch the shim was built against; the dynamic linker itself already searched that path.
 */
record ElfDynamic(List<String> needed, List<Path> runpath) {
    private static final int SHT_DYNAMIC = 6;
    private static final long DT_NEEDED = 1, DT_RPATH = 15, DT_RUNPATH = 29;

    static final ElfDynamic UNKNOWN = new ElfDynamic(List.of(), List.of());

    /** The file's entries, or {@link #UNKNOWN} when it is not a readable 64-bit little-endian ELF file. */
    static ElfDynamic read(Path file) {
        try {
            return parse(ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN), file.getParent());
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;  // only used to explain a failure: never a reason to fail on its own
        }
    }

    private static ElfDynamic parse(ByteBuffer elf, Path origin) {
        // e_ident: magic, ELFCLASS64 (2), ELFDATA2LSB (1)
        if (elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) return UNKNOWN;
        long sectionTable = elf.getLong(0x28);
        int entrySize = Short.toUnsignedInt(elf.getShort(0x3a));
        int sections = Short.toUnsignedInt(elf.getShort(0x3c));
        for (int i = 0; i < sections; i++) {
            int header = Math.toIntExact(sectionTable + (long) i * entrySize);
            if (elf.getInt(header + 4) != SHT_DYNAMIC) continue;
            int dynamic = Math.toIntExact(elf.getLong(header + 0x18));
            long dynamicSize = elf.getLong(header + 0x20);
            int strings = Math.toIntExact(sectionTable + (long) elf.getInt(header + 0x28) * entrySize);
            int stringTable = Math.toIntExact(elf.getLong(strings + 0x18));
            List<String> needed = new ArrayList<>();
            List<Path> runpath = new ArrayList<>();
            for (int at = dynamic; at + 16 <= dynamic + dynamicSize; at += 16) {
                long tag = elf.getLong(at);
                if (tag == 0) break;  // DT_NULL ends the table
                if (tag != DT_NEEDED && tag != DT_RPATH && tag != DT_RUNPATH) continue;
                String value = string(elf, stringTable + Math.toIntExact(elf.getLong(at + 8)));
                if (tag == DT_NEEDED) {
                    needed.add(value);
                } else {
                    for (String dir : value.split(":")) {
                        if (dir.isEmpty()) continue;
                        String resolved = origin == null ? dir : dir.replace("${ORIGIN}", origin.toString())
                                .replace("$ORIGIN", origin.toString());
                        runpath.add(Path.of(resolved));
                    }
                }
            }
            return new ElfDynamic(List.copyOf(needed), List.copyOf(runpath));
        }
        return UNKNOWN;
    }

    private static String string(ByteBuffer elf, int start) {
        int end = start;
        while (elf.get(end) != 0) end++;
        byte[] bytes = new byte[end - start];
        elf.get(start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
