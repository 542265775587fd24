package io.c2cgateway.console;

import java.util.List;

import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

import io.c2cgateway.security.Caller;

/**
 * A console sign-in. Named by its key's id: the session store indexes sessions by this name in a
 * column of 100 characters, and the default name (the principal's {@code toString()}) outgrows it
 * with a key name of a dozen characters, failing the sign-in.
 */
final class ConsoleAuthentication extends UsernamePasswordAuthenticationToken {

	private static final long serialVersionUID = 1L;

	ConsoleAuthentication(Caller caller) {
		super(caller, null, List.of(new SimpleGrantedAuthority("ROLE_" + caller.role().name())));
	}

	@Override
	public String getName() {
		return ((Caller) getPrincipal()).keyId().toString();
	}

}
