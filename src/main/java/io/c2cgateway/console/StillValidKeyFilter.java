package io.c2cgateway.console;

import java.io.IOException;
import java.util.Set;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

import io.c2cgateway.security.ApiKeyService;
import io.c2cgateway.security.Caller;

/**
 * A console session lives only as long as its key: the key is checked again on every request, so
 * deleting it on any replica signs its sessions out at their next click (or poll).
 */
class StillValidKeyFilter extends OncePerRequestFilter {

	private final ApiKeyService keys;

	StillValidKeyFilter(ApiKeyService keys) {
		this.keys = keys;
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
		if (authentication != null && authentication.getPrincipal() instanceof Caller caller
				&& this.keys.stillValid(Set.of(caller.keyId())).isEmpty()) {
			SecurityContextHolder.clearContext();
			HttpSession session = request.getSession(false);
			if (session != null) {
				session.invalidate();
			}
		}
		chain.doFilter(request, response);
	}

}
