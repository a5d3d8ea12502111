package dev.jacreg.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the shim's libtorch is found, with a recording loader in place of {@code System.load} and fake library
 * folders: an explicit folder is preloaded dependencies-first and used alone, the fallbacks are tried only when the
 * plain load fails, and a failure names every place looked at and what to install. The ELF reader is checked
 * against {@code readelf} on the real shim.
 */
class LibtorchLocatorTest {
    @TempDir
    Path dir;

    /** Records every path; throws for the shim until libtorch.so has been "loaded", like the dynamic linker would. */
    private static final class FakeLinker implements Consumer<String> {
        final List<String> loaded = new ArrayList<>();
        final boolean shimLoadsOnItsOwn;

        FakeLinker(boolean shimLoadsOnItsOwn) {
            this.shimLoadsOnItsOwn = shimLoadsOnItsOwn;
        }

        @Override
        public void accept(String path) {
            boolean torchLoaded = loaded.stream().anyMatch(p -> Path.of(p).getFileName().toString().startsWith("libtorch.so"));
            if (path.endsWith("libjacreg.so") && !shimLoadsOnItsOwn && !torchLoaded) {
                throw new UnsatisfiedLinkError(path + ": libtorch.so.1.13: cannot open shared object file: No such file or directory");
            }
            loaded.add(path);
        }

        List<String> names() {
            return loaded.stream().map(p -> Path.of(p).getFileName().toString()).toList();
        }
    }

    private Path shim() throws IOException {
        Path shim = dir.resolve("shim").resolve("libjacreg.so");
        Files.createDirectories(shim.getParent());
        Files.writeString(shim, "not an ELF file");  // so only the folders given to the locator are searched
        return shim;
    }

    private static Path fakeLibtorch(Path folder, String... names) throws IOException {
        Files.createDirectories(folder);
        for (String name : names) Files.writeString(folder.resolve(name), name);
        return folder;
    }

    @Test
    void anExplicitFolderIsPreloadedDependenciesFirstThenTheShim() throws IOException {
        Path root = dir.resolve("libtorch");
        fakeLibtorch(root.resolve("lib"), "libtorch.so", "libc10.so", "libtorch_cpu.so", "libgomp.so.1");
        FakeLinker linker = new FakeLinker(false);
        Path shim = shim();
        new LibtorchLocator(root.toString(), "/ignored/when/the/property/is/set", dir.resolve("debian"), linker).load(shim);
        assertEquals(List.of("libc10.so", "libtorch_cpu.so", "libtorch.so", "libjacreg.so"), linker.names());
        assertTrue(linker.loaded.getFirst().startsWith(root.resolve("lib").toString()), "DIR/lib of a distribution");
    }

    @Test
    void theEnvironmentVariableIsUsedWhenNoPropertyIsSetAndVersionedFilesAreFound() throws IOException {
        Path lib = fakeLibtorch(dir.resolve("env-torch"), "libtorch.so.1.13", "libc10.so.1.13", "libtorch_cpu.so.1.13");
        FakeLinker linker = new FakeLinker(false);
        new LibtorchLocator(null, lib.toString(), dir.resolve("debian"), linker).load(shim());
        assertEquals(List.of("libc10.so.1.13", "libtorch_cpu.so.1.13", "libtorch.so.1.13", "libjacreg.so"), linker.names());
    }

    @Test
    void anExplicitFolderWithoutLibtorchFailsWithoutFallingBack() throws IOException {
        fakeLibtorch(dir.resolve("debian"), "libtorch.so", "libc10.so", "libtorch_cpu.so");
        Path empty = fakeLibtorch(dir.resolve("empty"));
        FakeLinker linker = new FakeLinker(true);
        var e = assertThrows(IllegalStateException.class,
                () -> new LibtorchLocator(empty.toString(), null, dir.resolve("debian"), linker).load(shim()));
        assertEquals(List.of(), linker.loaded, "nothing may be loaded from another place");
        assertTrue(e.getMessage().contains("-Djacreg.libtorch = " + empty + ": no libc10.so, libtorch_cpu.so, libtorch.so in "
                + empty), e.getMessage());
    }

    @Test
    void theShimLoadsOnItsOwnWhenNothingIsSet() throws IOException {
        FakeLinker linker = new FakeLinker(true);
        new LibtorchLocator(null, "  ", dir.resolve("debian"), linker).load(shim());
        assertEquals(List.of("libjacreg.so"), linker.names(), "no preloading when the run path works");
    }

    @Test
    void debiansFolderIsTheLastFallback() throws IOException {
        Path debian = fakeLibtorch(dir.resolve("debian"), "libtorch.so", "libc10.so", "libtorch_cpu.so");
        FakeLinker linker = new FakeLinker(false);
        new LibtorchLocator(null, null, debian, linker).load(shim());
        assertEquals(List.of("libc10.so", "libtorch_cpu.so", "libtorch.so", "libjacreg.so"), linker.names());
    }

    @Test
    void aFailureListsEveryPlaceLookedAtAndWhatToInstall() throws IOException {
        Path debian = dir.resolve("no-debian-libtorch");
        FakeLinker linker = new FakeLinker(false);
        Path shim = shim();
        var e = assertThrows(IllegalStateException.class, () -> new LibtorchLocator(null, null, debian, linker).load(shim));
        String message = e.getMessage();
        for (String expected : List.of(
                "could not load its native library " + shim + " with libtorch. Looked for libtorch in:",
                "-Djacreg.libtorch: not set",
                "LIBTORCH: not set",
                "the shim's own run path and the system library path: " + shim + ": libtorch.so.1.13: cannot open shared object file",
                debian + " (Debian's libtorch-dev): no such folder",
                "sudo apt-get install libtorch-dev",
                "-Djacreg.libtorch=DIR or set LIBTORCH=DIR")) {
            assertTrue(message.contains(expected), () -> "missing '" + expected + "' in:\n" + message);
        }
    }

    @Test
    void theElfReaderAgreesWithReadelfOnTheBuiltShim() throws Exception {
        Path shim = Path.of(System.getProperty("jacreg.native", "native/build/libjacreg.so"));
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(shim), "no built shim at " + shim);
        Process readelf;
        try {
            readelf = new ProcessBuilder("readelf", "-d", shim.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            org.junit.jupiter.api.Assumptions.abort("readelf (binutils) is not installed: " + e.getMessage());
            return;
        }
        String out = new String(readelf.getInputStream().readAllBytes());
        assertEquals(0, readelf.waitFor(), out);
        List<String> needed = new ArrayList<>();
        List<Path> runpath = new ArrayList<>();
        for (String line : out.lines().toList()) {
            var m = java.util.regex.Pattern.compile("\\((NEEDED|RUNPATH|RPATH)\\).*\\[(.*)]").matcher(line);
            if (!m.find()) continue;
            if (m.group(1).equals("NEEDED")) needed.add(m.group(2));
            else for (String d : m.group(2).split(":")) runpath.add(Path.of(d.replace("$ORIGIN", shim.getParent().toString())));
        }
        ElfDynamic elf = ElfDynamic.read(shim);
        assertEquals(needed, elf.needed());
        assertEquals(runpath, elf.runpath());
        assertFalse(needed.isEmpty());
        assertEquals(ElfDynamic.UNKNOWN, ElfDynamic.read(shim()));
    }
}
