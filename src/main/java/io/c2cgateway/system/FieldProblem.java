package io.c2cgateway.system;

/** One broken rule of a request, as listed in a {@code validation_failed} problem. */
public record FieldProblem(String field, String message) {
}
