package dev.jacreg;

/** Facts about jacreg itself (libtorch's are on {@link Torch}). */
public final class Jacreg {
    private Jacreg() {}

    /** {@return jacreg's version: the jar manifest's, else the build's} */
    public static String version() {
        String v = Jacreg.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
