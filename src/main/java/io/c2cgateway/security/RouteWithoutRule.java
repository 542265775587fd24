package io.c2cgateway.security;

import java.util.function.Supplier;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import org.springframework.web.util.ServletRequestPathUtils;

/**
 * The rule for {@code /api} paths no other rule names. Authorization fails closed: a controller
 * route that reaches this point has no rule of its own yet (a new endpoint), so it is refused to
 * every key. A path no controller serves is let through to answer the contract's 404
 * {@code not_found}; a request without a valid key is refused first (401), as everywhere.
 */
final class RouteWithoutRule implements AuthorizationManager<RequestAuthorizationContext> {

	private final Supplier<RequestMappingHandlerMapping> routes;

	RouteWithoutRule(Supplier<RequestMappingHandlerMapping> routes) {
		this.routes = routes;
	}

	@Override
	public AuthorizationResult authorize(Supplier<? extends Authentication> authentication,
			RequestAuthorizationContext context) {
		Authentication caller = authentication.get();
		if (caller == null || !caller.isAuthenticated() || caller instanceof AnonymousAuthenticationToken) {
			return new AuthorizationDecision(false);
		}
		return new AuthorizationDecision(!routed(context.getRequest()));
	}

	/** Whether a controller serves this path (with any method: a wrong one is still a route). */
	boolean routed(HttpServletRequest request) {
		Object parsed = request.getAttribute(ServletRequestPathUtils.PATH_ATTRIBUTE);
		ServletRequestPathUtils.parseAndCache(request);
		try {
			return this.routes.get().getHandler(request) != null;
		}
		catch (Exception matchedButRefused) {
			// Wrong method or media type on a path a controller serves; anything else: closed too.
			return true;
		}
		finally {
			request.setAttribute(ServletRequestPathUtils.PATH_ATTRIBUTE, parsed);
		}
	}

}
