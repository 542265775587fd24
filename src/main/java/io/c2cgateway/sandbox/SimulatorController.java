package io.c2cgateway.sandbox;

import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonValue;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.ModelAndView;

import io.c2cgateway.system.InvalidRequest;
import io.c2cgateway.system.NotAllowed;
import io.c2cgateway.system.NotFound;

/**
 * The simulated Frame.io over HTTP: its three auth endpoints and {@code /v2/devices/me} where
 * Frame.io has them, and under {@code /sandbox} what a person would do in Frame.io's web app (enter
 * a code and approve or deny).
 */
@RestController
@Profile("sandbox")
class SimulatorController {

	private final FrameioSimulator simulator;

	SimulatorController(FrameioSimulator simulator) {
		this.simulator = simulator;
	}

	@PostMapping(path = "/v2/auth/device/code", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
	ResponseEntity<Object> deviceCode(@RequestParam MultiValueMap<String, String> form, HttpServletRequest request) {
		String origin = request.getScheme() + "://" + request.getServerName() + ":" + request.getServerPort();
		Map<String, String> fields = form.toSingleValueMap();
		Map<String, String> headers = headers(request);
		return respond(this.simulator.rateLimited("device_code", fields, headers,
				() -> this.simulator.deviceCode(fields, headers, origin)));
	}

	@PostMapping(path = "/v2/auth/token", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
	ResponseEntity<Object> token(@RequestParam MultiValueMap<String, String> form, HttpServletRequest request) {
		Map<String, String> fields = form.toSingleValueMap();
		Map<String, String> headers = headers(request);
		return respond(this.simulator.rateLimited("token", fields, headers, () -> this.simulator.token(fields, headers)));
	}

	@PostMapping(path = "/v2/auth/revoke", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
	ResponseEntity<Object> revoke(@RequestParam MultiValueMap<String, String> form, HttpServletRequest request) {
		Map<String, String> fields = form.toSingleValueMap();
		Map<String, String> headers = headers(request);
		return respond(this.simulator.rateLimited("revoke", fields, headers, () -> this.simulator.revoke(fields, headers)));
	}

	@GetMapping("/v2/devices/me")
	ResponseEntity<Object> devicesMe(HttpServletRequest request) {
		return respond(this.simulator.devicesMe(headers(request)));
	}

	@PostMapping("/sandbox/user-codes/{userCode}/approve")
	Map<String, String> approve(@PathVariable String userCode, HttpServletRequest request) {
		refuseFromOtherSites(request);
		if (!this.simulator.approve(userCode)) {
			throw new NotFound("Live user code");
		}
		return Map.of("userCode", userCode, "decision", "APPROVED");
	}

	@PostMapping("/sandbox/user-codes/{userCode}/deny")
	Map<String, String> deny(@PathVariable String userCode, HttpServletRequest request) {
		refuseFromOtherSites(request);
		if (!this.simulator.deny(userCode)) {
			throw new NotFound("Live user code");
		}
		return Map.of("userCode", userCode, "decision", "DENIED");
	}

	/**
	 * The page a verification URI points at, standing in for Frame.io's: shows the code with Approve
	 * and Deny buttons (or asks for a code). Without CSRF tokens on purpose: the sandbox has no users,
	 * sessions or cookies, so a forged post carries no credential a direct request lacks, and anyone
	 * who can reach the sandbox may decide its codes, as with the JSON endpoints above. What a forged
	 * post could add is reach: a page on another site making the browser of someone who runs the
	 * sandbox on their machine decide codes there. Browsers say where a request comes from
	 * ({@code Sec-Fetch-Site}), so decisions from another site, or another port of the same host, are
	 * refused; curl and tests send no such header and are unaffected.
	 */
	@GetMapping(path = { "/sandbox/pair", "/sandbox/pair/{userCode}" }, produces = MediaType.TEXT_HTML_VALUE)
	ModelAndView pairPage(@PathVariable(required = false) String userCode,
			@RequestParam(name = "userCode", required = false) String entered) {
		String code = (userCode != null) ? userCode : entered;
		return new ModelAndView("sandbox/pair", Map.of("userCode", (code != null) ? code.trim() : ""));
	}

	@PostMapping(path = "/sandbox/pair/decision", produces = MediaType.TEXT_HTML_VALUE)
	ModelAndView decide(@RequestParam String userCode, @RequestParam String decision, HttpServletRequest request) {
		refuseFromOtherSites(request);
		boolean approve = "approve".equals(decision);
		boolean live = approve ? this.simulator.approve(userCode) : this.simulator.deny(userCode);
		return new ModelAndView("sandbox/decided", Map.of("userCode", userCode, "approved", approve, "live", live),
				live ? HttpStatus.OK : HttpStatus.NOT_FOUND);
	}

	/**
	 * Queue a fault, to try the gateway's handling of Frame.io outages by hand. {@code late: true}
	 * lets the request take effect and holds its real answer back {@code delayMillis}.
	 */
	@PostMapping(path = "/sandbox/faults", consumes = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<Void> fault(@RequestBody FaultRequest request) {
		if (request.endpoint() == null || !List.of("device_code", "token_poll", "token_refresh", "revoke", "devices_me")
			.contains(request.endpoint())) {
			throw new InvalidRequest("endpoint",
					"must be one of device_code, token_poll, token_refresh, revoke, devices_me");
		}
		if (Boolean.TRUE.equals(request.late())) {
			this.simulator.inject(Fault.late(request.endpoint(), request.clientId(),
					Duration.ofMillis((request.delayMillis() != null) ? request.delayMillis() : 0)));
			return ResponseEntity.status(HttpStatus.ACCEPTED).build();
		}
		// An HTML page is what a CDN or proxy in front of Frame.io sends: no OAuth error in it.
		int status = (request.status() != null) ? request.status() : 503;
		HttpStatus known = HttpStatus.resolve(status);
		Object body = Boolean.TRUE.equals(request.html())
				? "<html><body><h1>" + status + ((known != null) ? " " + known.getReasonPhrase() : "") + "</h1></body></html>"
				: (request.error() != null) ? Map.of("error", request.error()) : Map.of("message", "simulated");
		this.simulator.inject(new Fault(request.endpoint(), request.clientId(),
				status, body, request.retryAfter(),
				(request.delayMillis() != null) ? Duration.ofMillis(request.delayMillis()) : null,
				(request.times() != null) ? request.times() : 1));
		return ResponseEntity.status(HttpStatus.ACCEPTED).build();
	}

	private static void refuseFromOtherSites(HttpServletRequest request) {
		String site = request.getHeader("Sec-Fetch-Site");
		if (site != null && !"same-origin".equals(site) && !"none".equals(site)) {
			throw new NotAllowed("cross_site_request",
					"The sandbox takes decisions from its own page or from direct requests, not from other sites");
		}
	}

	private static ResponseEntity<Object> respond(Answer answer) {
		if (!answer.delay().isZero()) {
			try {
				// Stands in for a slow upstream; the gateway's timeout is what is being tried.
				Thread.sleep(answer.delay().toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		ResponseEntity.BodyBuilder response = ResponseEntity.status(answer.status());
		if (answer.retryAfter() != null) {
			response.header(HttpHeaders.RETRY_AFTER, answer.retryAfter());
		}
		answer.headers().forEach(response::header);
		if (answer.body() instanceof String page) {
			// As a proxy or CDN in front of Frame.io answers: an HTML page, no OAuth error in sight.
			return response.contentType(MediaType.TEXT_HTML).body(page);
		}
		return response.contentType(MediaType.APPLICATION_JSON).body(new Body(answer.body()));
	}

	private static Map<String, String> headers(HttpServletRequest request) {
		Map<String, String> headers = new HashMap<>();
		for (String name : Collections.list(request.getHeaderNames())) {
			headers.put(name.toLowerCase(), request.getHeader(name));
		}
		return headers;
	}

	/**
	 * An answer body serialized as itself but printed masked: Spring MVC logs response bodies at
	 * DEBUG, and these carry device codes and tokens.
	 */
	record Body(@JsonValue Object value) {

		@Override
		public String toString() {
			return "[simulated Frame.io answer]";
		}

	}

	record FaultRequest(String endpoint, String clientId, Integer status, String error, String retryAfter,
			Long delayMillis, Integer times, Boolean late, Boolean html) {
	}

}
