package io.c2cgateway.console;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import jakarta.servlet.DispatcherType;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.DisabledException;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.intercept.AuthorizationFilter;
import org.springframework.security.web.authentication.SavedRequestAwareAuthenticationSuccessHandler;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;

import io.c2cgateway.audit.AuditLog;
import io.c2cgateway.security.ApiKeyService;
import io.c2cgateway.security.Caller;
import io.c2cgateway.security.RefusedAuthentications;
import io.c2cgateway.security.Role;

/**
 * The web console's own chain, ahead of the API's: people sign in once with an API key and then
 * carry a session cookie (stored in PostgreSQL, so any replica serves them). Unlike the API it is
 * stateful, so every form carries a CSRF token. The API chain is untouched: no session, no cookie.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSecurityConfiguration {

	static final String SIGN_IN = "/console/sign-in";

	@Bean
	@Order(1)
	SecurityFilterChain console(HttpSecurity http, ApiKeyService keys, RefusedAuthentications refusals,
			AuditLog audit) throws Exception {
		SavedRequestAwareAuthenticationSuccessHandler landing = new SavedRequestAwareAuthenticationSuccessHandler();
		landing.setDefaultTargetUrl("/console");
		http.securityMatcher("/", "/console", "/console/**")
			.authenticationManager((attempt) -> signIn(keys, attempt.getCredentials()))
			.formLogin((form) -> form.loginPage(SIGN_IN)
				.loginProcessingUrl(SIGN_IN)
				.passwordParameter("apiKey")
				// Sign-ins are audited both ways: who opened a session, and keys tried and refused (the
				// API's refusal record, under its cap, so a guessing script cannot flood the trail).
				.successHandler((request, response, authentication) -> {
					Caller caller = (Caller) authentication.getPrincipal();
					audit.record(caller.actor(), "console.signed_in", "api_key", caller.keyId().toString(),
							"remote=" + request.getRemoteAddr());
					landing.onAuthenticationSuccess(request, response, authentication);
				})
				// DEVICE keys are real keys, only not for people: say so rather than "unknown key".
				.failureHandler((request, response, ex) -> {
					refusals.refused(request, request.getParameter("apiKey"));
					response.sendRedirect(SIGN_IN + ((ex instanceof DisabledException) ? "?device" : "?error"));
				})
				.permitAll())
			.logout((logout) -> logout.logoutUrl("/console/sign-out")
				.addLogoutHandler((request, response, authentication) -> {
					if (authentication != null && authentication.getPrincipal() instanceof Caller caller) {
						audit.record(caller.actor(), "console.signed_out", "api_key", caller.keyId().toString(), null);
					}
				})
				.logoutSuccessUrl(SIGN_IN + "?signedOut"))
			.httpBasic((basic) -> basic.disable())
			.headers((headers) -> headers
				// Pages show user codes and once a device key: nothing here is framed by others.
				.frameOptions((frame) -> frame.deny())
				.referrerPolicy((referrer) -> referrer.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN))
				.contentSecurityPolicy((csp) -> csp.policyDirectives("default-src 'self'; img-src 'self' data:; "
						+ "style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'")))
			.addFilterBefore(new StillValidKeyFilter(keys), AuthorizationFilter.class)
			.authorizeHttpRequests((requests) -> requests
				.dispatcherTypeMatchers(DispatcherType.FORWARD, DispatcherType.ERROR).permitAll()
				// By path: formLogin's own permitAll matches the exact URL, so ?signedOut would be refused.
				.requestMatchers("/", SIGN_IN, "/console/assets/**").permitAll()
				// The fleet view is the admin's, as the API's fleet routes are.
				.requestMatchers("/console/fleet", "/console/fleet/**").hasRole("ADMIN")
				.requestMatchers("/console", "/console/**").hasAnyRole("ADMIN", "STATION")
				.anyRequest().denyAll())
			.exceptionHandling((exceptions) -> exceptions.accessDeniedHandler((request, response, ex) -> {
				// A missing or stale CSRF token lands here too: a page, not a problem document.
				response.setStatus(HttpStatus.FORBIDDEN.value());
				response.setContentType("text/html;charset=UTF-8");
				response.getOutputStream().write(FORBIDDEN_PAGE.getBytes(StandardCharsets.UTF_8));
			}));
		return http.build();
	}

	private static ConsoleAuthentication signIn(ApiKeyService keys, Object credentials) {
		Optional<Caller> caller = (credentials instanceof String presented) ? keys.authenticate(presented.trim())
				: Optional.empty();
		if (caller.isEmpty()) {
			throw new BadCredentialsException("Unknown or revoked key");
		}
		if (caller.get().role() == Role.DEVICE) {
			throw new DisabledException("Device keys cannot sign in to the console");
		}
		return new ConsoleAuthentication(caller.get());
	}

	private static final String FORBIDDEN_PAGE = """
			<!DOCTYPE html>
			<html lang="en"><head><meta charset="utf-8"><title>Not allowed - c2c-gateway console</title>
			<link rel="stylesheet" href="/console/assets/console.css"></head>
			<body><main class="narrow"><h1>Not allowed</h1>
			<p>This request was refused: the form was stale or did not come from this console, or your key's
			role may not do this.</p><p><a href="/console">Back to the console</a></p></main></body></html>
			""";

}
