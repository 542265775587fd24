package io.c2cgateway.security;

import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.context.support.StaticApplicationContext;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fallback rule of {@code /api}: a controller route that no rule names (an endpoint added
 * without its rule) is closed to every key, ADMIN too; a path no controller serves goes on to 404.
 */
class RouteWithoutRuleTests {

	private RouteWithoutRule rule;

	@BeforeEach
	void routes() {
		StaticApplicationContext context = new StaticApplicationContext();
		context.registerSingleton("newEndpoint", NewEndpoint.class);
		RequestMappingHandlerMapping mapping = new RequestMappingHandlerMapping();
		mapping.setApplicationContext(context);
		mapping.afterPropertiesSet();
		this.rule = new RouteWithoutRule(() -> mapping);
	}

	@Test
	void controllerRouteWithoutItsOwnRuleIsRefusedEvenToAnAdmin() {
		assertThat(granted(admin(), "GET", "/api/v1/new-endpoint")).isFalse();
		assertThat(granted(admin(), "DELETE", "/api/v1/new-endpoint")).as("a wrong method is still that route").isFalse();
	}

	@Test
	void pathNoControllerServesIsLetThroughToItsNotFound() {
		assertThat(granted(admin(), "GET", "/api/v1/no-such-thing")).isTrue();
	}

	@Test
	void requestWithoutAValidKeyIsRefusedFirst() {
		Authentication anonymous = new AnonymousAuthenticationToken("key", "anonymous",
				List.of(new SimpleGrantedAuthority("ROLE_ANONYMOUS")));
		assertThat(granted(anonymous, "GET", "/api/v1/no-such-thing")).isFalse();
		assertThat(granted(null, "GET", "/api/v1/no-such-thing")).isFalse();
	}

	private boolean granted(Authentication caller, String method, String path) {
		MockHttpServletRequest request = new MockHttpServletRequest(method, path);
		return this.rule.authorize(() -> caller, new RequestAuthorizationContext(request)).isGranted();
	}

	private static Authentication admin() {
		return UsernamePasswordAuthenticationToken.authenticated("admin", null,
				List.of(new SimpleGrantedAuthority("ROLE_ADMIN")));
	}

	@RestController
	static class NewEndpoint {

		@GetMapping("/api/v1/new-endpoint")
		String get() {
			return "open by accident";
		}

	}

}
