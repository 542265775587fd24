package io.c2cgateway.security;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/** A request for a new ADMIN or STATION key, from the API or the console; both validate it alike. */
public record NewApiKey(@NotBlank @Size(max = 100) @Pattern(regexp = "^[\\x20-\\x7E]+$", message = "must be printable ASCII") String name,
		@NotNull @Pattern(regexp = "^(ADMIN|STATION)$", message = "must be ADMIN or STATION") String role) {
}
