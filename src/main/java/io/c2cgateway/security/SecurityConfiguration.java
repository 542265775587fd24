package io.c2cgateway.security;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.config.observation.SecurityObservationSettings;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.c2cgateway.system.Problems;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every {@code /api/**} call needs a key. Missing or unusable key: 401; known key, wrong role: 403.
 * Objects a caller may not see are hidden by the services (404), never refused here.
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

	@Bean
	SecurityFilterChain api(HttpSecurity http, ApiKeyService keys, RefusedAuthentications refusals, JsonMapper json,
			@Qualifier("requestMappingHandlerMapping") ObjectProvider<RequestMappingHandlerMapping> routes)
			throws Exception {
		http.csrf((csrf) -> csrf.disable())
			.httpBasic((basic) -> basic.disable())
			.formLogin((form) -> form.disable())
			.logout((logout) -> logout.disable())
			.requestCache((cache) -> cache.disable())
			.sessionManagement((session) -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
			.addFilterBefore(new ApiKeyAuthenticationFilter(keys, refusals, json), AnonymousAuthenticationFilter.class)
			.authorizeHttpRequests((requests) -> requests
				// The dispatch that ends an event stream: the request was authorized when it started,
				// and its key is not read again, so it would be refused onto a committed response.
				.dispatcherTypeMatchers(DispatcherType.ASYNC).permitAll()
				.requestMatchers("/api/v1/pairings", "/api/v1/pairings/**").hasAnyRole("ADMIN", "STATION")
				.requestMatchers(HttpMethod.POST, "/api/v1/devices/*/access-token").hasAnyRole("ADMIN", "DEVICE")
				.requestMatchers("/api/v1/device-models", "/api/v1/device-models/**", "/api/v1/api-keys",
						"/api/v1/api-keys/**", "/api/v1/devices", "/api/v1/devices/**", "/api/v1/audit-events",
						"/api/v1/stats", "/api/v1/webhooks", "/api/v1/webhooks/**")
				.hasRole("ADMIN")
				// Fail closed: an API route gets a rule above before anyone may call it; unknown paths 404.
				.requestMatchers("/api/**").access(new RouteWithoutRule(routes::getObject))
				.anyRequest().permitAll())
			.exceptionHandling((exceptions) -> exceptions
				.authenticationEntryPoint((request, response, ex) -> write(response, json,
						Problems.of(HttpStatus.UNAUTHORIZED, "unauthorized", "A valid API key is required")))
				.accessDeniedHandler((request, response, ex) -> write(response, json,
						Problems.of(HttpStatus.FORBIDDEN, "forbidden", "This key's role may not do this"))));
		return http.build();
	}

	/**
	 * The request firewall refuses URLs that could mean two things ({@code %2e%2e}, {@code %2F},
	 * {@code ;}, {@code //}) before any rule is applied: a problem detail like every other refusal.
	 */
	@Bean
	RequestRejectedHandler requestRejected(JsonMapper json) {
		return (request, response, ex) -> {
			if (!response.isCommitted()) {
				write(response, json, Problems.of(HttpStatus.BAD_REQUEST, "malformed_request",
						"The request URL is not allowed: it holds an encoded or ambiguous path segment"));
			}
		};
	}

	/**
	 * Spring Security neither observes its filters, authentications nor authorizations. With an
	 * observation registry present it otherwise wraps each filter of both chains in a decorator that
	 * starts and stops an observation around it on every request; turning the observations off by
	 * property made them no-ops but kept the wrapping. Nothing reads those meters or spans; the
	 * request's own observation ({@code http.server.requests}) is unaffected.
	 */
	@Bean
	SecurityObservationSettings noSecurityObservations() {
		return SecurityObservationSettings.noObservations();
	}

	/** Keeps Boot from creating a default user with a generated password (and logging it). */
	@Bean
	UserDetailsService noUsers() {
		return new InMemoryUserDetailsManager();
	}

	private static void write(HttpServletResponse response, JsonMapper json, ProblemDetail problem)
			throws java.io.IOException {
		response.setStatus(problem.getStatus());
		if (problem.getStatus() == 401) {
			response.setHeader("WWW-Authenticate", "Bearer");
		}
		response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
		json.writeValue(response.getOutputStream(), problem);
	}

}
