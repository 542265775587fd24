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

/** Reads {@code Authorization: Bearer <key>}; an unusable key leaves the request anonymous (then 401). */
class ApiKeyAuthenticationFilter extends OncePerRequestFilter {

	private final ApiKeyService keys;

	ApiKeyAuthenticationFilter(ApiKeyService keys) {
		this.keys = keys;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String header = request.getHeader(HttpHeaders.AUTHORIZATION);
		if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
			this.keys.authenticate(header.substring(7).trim()).ifPresent((caller) -> {
				var context = SecurityContextHolder.createEmptyContext();
				context.setAuthentication(new KeyAuthentication(caller));
				SecurityContextHolder.setContext(context);
			});
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
