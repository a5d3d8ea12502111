package dev.jacreg.cli;

/** A problem with what the user typed (exit code 2), found after parsing, e.g. a missing input file. */
final class UsageException extends IllegalArgumentException {
    UsageException(String message) {
        super(message);
    }
}
