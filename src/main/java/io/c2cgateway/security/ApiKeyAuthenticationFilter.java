package io.c2cgateway.security;

import java.io.IOException;
import java.util.List;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

import io.c2cgateway.system.DatabaseUnavailable;
import io.c2cgateway.system.DomainProblems;
import io.c2cgateway.system.ProblemResponses;
import tools.jackson.databind.json.JsonMapper;

/** Reads {@code Authorization: Bearer <key>}; an unusable key leaves the request anonymous (then 401). */
class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

	private final ApiKeyService keys;

	private final RefusedAuthentications refusals;

	private final JsonMapper json;

	ApiKeyAuthenticationFilter(ApiKeyService keys, RefusedAuthentications refusals, JsonMapper json) {
		this.keys = keys;
		this.refusals = refusals;
		this.json = json;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String header = request.getHeader(HttpHeaders.AUTHORIZATION);
		if (header != null) {
			boolean bearer = header.regionMatches(true, 0, "Bearer ", 0, 7);
			String presented = bearer ? header.substring(7).trim() : null;
			Caller caller;
			try {
				caller = bearer ? this.keys.authenticate(presented).orElse(null) : null;
			}
			catch (RuntimeException ex) {
				if (!DatabaseUnavailable.is(ex)) {
					throw ex;
				}
				// The key cannot be checked: neither 401 (it may be valid) nor 500 (nothing is broken here).
				ProblemResponses.write(response, this.json, DomainProblems.problemOf(DatabaseUnavailable.refusal()), DatabaseUnavailable.RETRY_AFTER);
				return;
			}
			if (caller != null) {
				var context = SecurityContextHolder.createEmptyContext();
				context.setAuthentication(new KeyAuthentication(caller));
				SecurityContextHolder.setContext(context);
			}
			else if (request.getRequestURI().startsWith("/api/")) {
				// Only where a key is required: elsewhere a stray header refuses nothing.
				this.refusals.refused(request, presented);
			}
		}
		chain.doFilter(request, response);
	}

	static final class KeyAuthentication extends AbstractAuthenticationToken {

		private final Caller caller;

		KeyAuthentication(Caller caller) {
			super(List.of(new SimpleGrantedAuthority("ROLE_" + caller.role().name())));
			this.caller = caller;
			setAuthenticated(true);
		}

		@Override
		public Object getCredentials() {
			return null;
		}

		@Override
		public Caller getPrincipal() {
			return this.caller;
		}

	}

}
