package io.c2cgateway.support;

import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.security.autoconfigure.SecurityAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.SecurityFilterAutoConfiguration;
import org.springframework.boot.security.autoconfigure.web.servlet.ServletWebSecurityAutoConfiguration;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

import io.c2cgateway.audit.AuditTrail;
import io.c2cgateway.device.DeviceService;
import io.c2cgateway.devicemodel.DeviceModelService;
import io.c2cgateway.pairing.PairingBatch;
import io.c2cgateway.pairing.PairingService;
import io.c2cgateway.security.ApiKeyService;
import io.c2cgateway.security.Caller;
import io.c2cgateway.security.RefusedAuthentications;
import io.c2cgateway.security.Role;
import io.c2cgateway.stats.StatsService;

import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.BDDMockito.given;

/**
 * Base of the web-layer slices: the API's controllers, the problem handler, the security filter
 * chain and the body limit over MockMvc, with the services standing in as Mockito mocks and no
 * database. Every subclass shares this one configuration, so the slices cost one context.
 * <p>
 * Left out, because they need a database or threads of their own and are proven full-stack: the
 * rate limit and idempotency filters, the event stream and webhook controllers, the console (its
 * own filter chain) and the sandbox.
 */
@WebMvcTest(
		includeFilters = @ComponentScan.Filter(type = FilterType.REGEX,
				pattern = "io\\.c2cgateway\\.security\\.SecurityConfiguration"),
		excludeFilters = @ComponentScan.Filter(type = FilterType.REGEX,
				pattern = { "io\\.c2cgateway\\.console\\..*", "io\\.c2cgateway\\.sandbox\\..*",
						"io\\.c2cgateway\\.ratelimit\\.RateLimitFilter", "io\\.c2cgateway\\.idempotency\\.IdempotencyFilter",
						"io\\.c2cgateway\\.pairing\\.PairingEventsController",
						"io\\.c2cgateway\\.webhook\\.WebhookController" }))
// Boot 4's MVC slice brings Spring Security only with its security test module; the gateway's own
// chain is what these slices test, so the three auto-configurations it builds on are named here.
@ImportAutoConfiguration({ SecurityAutoConfiguration.class, ServletWebSecurityAutoConfiguration.class,
		SecurityFilterAutoConfiguration.class })
@ActiveProfiles("test")
@MockitoBean(types = { ApiKeyService.class, RefusedAuthentications.class, AuditTrail.class, PairingService.class,
		PairingBatch.class, DeviceService.class, DeviceModelService.class, StatsService.class })
public abstract class ApiSlice {

	public static final String ADMIN_KEY = "slice-admin-key";

	public static final String STATION_KEY = "slice-station-key";

	public static final String DEVICE_KEY = "slice-device-key";

	/** The device the {@link #DEVICE_KEY} belongs to. */
	public static final String OWN_DEVICE = "SN-OWN-0001";

	@Autowired
	protected MockMvc mvc;

	@Autowired
	protected ApiKeyService keys;

	/** Three keys that work, one per role; every other key is unknown (the mocks reset after each test). */
	@BeforeEach
	void knownKeys() {
		given(this.keys.authenticate(anyString())).willReturn(Optional.empty());
		given(this.keys.authenticate(ADMIN_KEY)).willReturn(caller(Role.ADMIN, null));
		given(this.keys.authenticate(STATION_KEY)).willReturn(caller(Role.STATION, null));
		given(this.keys.authenticate(DEVICE_KEY)).willReturn(caller(Role.DEVICE, OWN_DEVICE));
	}

	private static Optional<Caller> caller(Role role, String deviceId) {
		return Optional.of(new Caller(UUID.randomUUID(), role.name().toLowerCase() + "-slice", role, deviceId));
	}

	protected static String bearer(String key) {
		return "Bearer " + key;
	}

}
