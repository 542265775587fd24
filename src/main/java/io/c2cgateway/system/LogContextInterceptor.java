package io.c2cgateway.system;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.servlet.AsyncHandlerInterceptor;
import org.springframework.web.servlet.HandlerMapping;

/**
 * Opens a {@link LogContext} for every request whose path names a pairing
 * ({@code /api/v1/pairings/{id}...}) or a device (any <code>{deviceId}</code> path variable), so
 * every line logged while handling it carries the ids without each controller or service
 * remembering to. Ids that only arrive in a body are put by the service that reads them.
 */
class LogContextInterceptor implements AsyncHandlerInterceptor {

	private static final String PAIRINGS = "/api/v1/pairings/{id}";

	private static final String ATTRIBUTE = LogContextInterceptor.class.getName() + ".context";

	@Override
	public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
		@SuppressWarnings("unchecked")
		Map<String, String> variables = (Map<String, String>) request
			.getAttribute(HandlerMapping.URI_TEMPLATE_VARIABLES_ATTRIBUTE);
		if (variables == null || variables.isEmpty()) {
			return true;
		}
		Object pattern = request.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
		String pairingId = (pattern != null && pattern.toString().startsWith(PAIRINGS)) ? variables.get("id") : null;
		String deviceId = variables.get("deviceId");
		if (pairingId != null || deviceId != null) {
			request.setAttribute(ATTRIBUTE, LogContext.fromUntrusted(pairingId, deviceId));
		}
		return true;
	}

	@Override
	public void afterCompletion(HttpServletRequest request, HttpServletResponse response, Object handler,
			Exception ex) {
		close(request);
	}

	/** An event stream goes on on other threads; the request thread must not keep the ids. */
	@Override
	public void afterConcurrentHandlingStarted(HttpServletRequest request, HttpServletResponse response,
			Object handler) {
		close(request);
	}

	private static void close(HttpServletRequest request) {
		if (request.getAttribute(ATTRIBUTE) instanceof LogContext context) {
			request.removeAttribute(ATTRIBUTE);
			context.close();
		}
	}

}
