package io.c2cgateway.security;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every endpoint the application serves, called by every kind of caller, on an object of the
 * calling station (own) and on one of another station (foreign), answers the contract's status.
 * The endpoints are read from the running application: one without a row here fails the test,
 * so a new endpoint cannot ship without its line in this table.
 */
class AuthorizationMatrixTests extends IntegrationTest {

	/** Who calls. "Own" objects belong to station A and its devices; "other" callers hold none of them. */
	enum Who {

		NO_KEY, MALFORMED_KEY, DELETED_KEY, STATION_OWN, STATION_OTHER, DEVICE_OWN, DEVICE_OTHER, ADMIN

	}

	/**
	 * Routes outside {@code /api} that are not part of this matrix, each with the reason. They need
	 * no key by design (the contract's operations section); the sandbox is the built-in Frame.io
	 * simulator, off in production.
	 */
	private static final Map<String, String> NOT_IN_THE_MATRIX = Map.ofEntries(
			Map.entry("POST /v2/auth/device/code", "sandbox: simulated Frame.io"),
			Map.entry("POST /v2/auth/token", "sandbox: simulated Frame.io"),
			Map.entry("POST /v2/auth/revoke", "sandbox: simulated Frame.io"),
			Map.entry("GET /v2/devices/me", "sandbox: simulated Frame.io"),
			Map.entry("POST /sandbox/user-codes/{userCode}/approve", "sandbox: a person approving a code"),
			Map.entry("POST /sandbox/user-codes/{userCode}/deny", "sandbox: a person denying a code"),
			Map.entry("GET /sandbox/pair", "sandbox: the page a person enters a code on"),
			Map.entry("POST /sandbox/pair/decision", "sandbox: a person approving or denying on the page"),
			Map.entry("GET /", "console: redirects to the console (session chain, StationConsoleBrowserTests)"),
			Map.entry("GET /console", "console: session chain, StationConsoleBrowserTests"),
			Map.entry("GET /console/fleet", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("GET /console/fleet/pairings", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("GET /console/fleet/pairings/rows", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("GET /console/fleet/audit", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("GET /console/fleet/devices", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("GET /console/fleet/devices/{deviceId}/revoke", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("POST /console/fleet/devices/{deviceId}/revoke", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("GET /console/fleet/models", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("POST /console/fleet/models", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("POST /console/fleet/models/{model}/secret", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("GET /console/fleet/models/{model}/delete", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("POST /console/fleet/models/{model}/delete", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("GET /console/fleet/keys", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("POST /console/fleet/keys", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("GET /console/fleet/keys/{id}/delete", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("POST /console/fleet/keys/{id}/delete", "console, ADMIN only: session chain, FleetConsoleBrowserTests"),
			Map.entry("GET /console/sign-in", "console: session chain, StationConsoleBrowserTests"),
			Map.entry("GET /console/pairings/new", "console: session chain, StationConsoleBrowserTests"),
			Map.entry("POST /console/pairings", "console: session chain, StationConsoleBrowserTests"),
			Map.entry("GET /console/pairings/{id}", "console: session chain, StationConsoleBrowserTests"),
			Map.entry("GET /console/pairings/{id}/panel", "console: session chain, StationConsoleBrowserTests"),
			Map.entry("POST /console/pairings/{id}/device-key", "console: session chain, StationConsoleBrowserTests"),
			Map.entry("GET /console/batches/new", "console: session chain, StationBatchBrowserTests"),
			Map.entry("POST /console/batches", "console: session chain, StationBatchBrowserTests"),
			Map.entry("GET /console/batches/{id}", "console: session chain, StationBatchBrowserTests"),
			Map.entry("GET /console/batches/{id}/panel", "console: session chain, StationBatchBrowserTests"),
			Map.entry("GET /sandbox/pair/{userCode}", "sandbox: the page a person enters a code on"),
			Map.entry("POST /sandbox/faults", "sandbox: fault injection for tests and demos"),
			Map.entry("POST /sandbox/webhooks", "sandbox: the built-in webhook receiver"),
			Map.entry("GET /sandbox/webhooks", "sandbox: what the built-in webhook receiver got"),
			Map.entry("GET /v3/api-docs", "docs: without a key by contract"),
			Map.entry("GET /v3/api-docs.yaml", "docs: without a key by contract"),
			Map.entry("GET /v3/api-docs/swagger-config", "docs: without a key by contract"),
			Map.entry("GET /swagger-ui.html", "docs: without a key by contract"));

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	private RequestMappingHandlerMapping routes;

	@Test
	void everyEndpointAnswersEveryCallerAsTheContractSays() {
		World world = new World();
		Map<String, Row> table = table(world);
		List<String> wrong = new ArrayList<>();
		for (Map.Entry<String, Row> entry : table.entrySet()) {
			Row row = entry.getValue();
			for (Who who : Who.values()) {
				int expected = row.expected.get(who);
				// Only a caller that may succeed gets an object of its own: a refused request changes nothing.
				Target target = (expected < 300 && row.fresh != null) ? row.fresh.apply(world) : row.standing.apply(world);
				Api.Response response = world.as(who).send(row.method, target.path(), target.body(),
						"application/json", Map.of());
				String cell = entry.getKey() + " as " + who;
				if (response.status() != expected) {
					wrong.add(cell + ": " + response.status() + " instead of " + expected + " " + abbreviate(response.body()));
				}
				else if (expected >= 400 && !String.valueOf(response.contentType()).startsWith("application/problem+json")) {
					wrong.add(cell + ": " + expected + " without a problem detail (" + response.contentType() + ")");
				}
			}
		}
		this.jdbc.sql("delete from bootstrap_key_disabled").update();
		assertThat(wrong).as("cells answering otherwise than the contract").isEmpty();
	}

	@Test
	void everyEndpointTheApplicationServesHasARowOrIsExcludedByName() {
		Set<String> served = new TreeSet<>();
		for (RequestMappingInfo info : this.routes.getHandlerMethods().keySet()) {
			Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
			for (String pattern : info.getPatternValues()) {
				if (methods.isEmpty()) {
					served.add("* " + pattern);
				}
				for (RequestMethod method : methods) {
					served.add(method.name() + " " + pattern);
				}
			}
		}
		Set<String> known = new TreeSet<>(table(null).keySet());
		known.addAll(NOT_IN_THE_MATRIX.keySet());
		Set<String> withoutRow = new TreeSet<>(served);
		withoutRow.removeAll(known);
		assertThat(withoutRow).as("endpoints without a row in the authorization matrix").isEmpty();
		Set<String> stale = new TreeSet<>(known);
		stale.removeAll(served);
		assertThat(stale).as("rows for endpoints the application no longer serves").isEmpty();
		assertThat(served).as("every API endpoint is a row, never an exclusion")
			.filteredOn((route) -> route.contains(" /api/"))
			.allMatch((route) -> !NOT_IN_THE_MATRIX.containsKey(route));
	}

	/**
	 * The table. Columns in the order of {@link Who}: no key, malformed key, deleted key, own
	 * station, other station, own device, other device, admin. {@code world} is null when only the
	 * keys are read.
	 */
	private Map<String, Row> table(World world) {
		Map<String, Row> rows = new LinkedHashMap<>();
		// Pairings: STATION and ADMIN; a station's foreign pairing is 404, never 403.
		row(rows, "GET /api/v1/pairings", fixed("/api/v1/pairings"), null, 401, 401, 401, 200, 200, 403, 403, 200);
		row(rows, "GET /api/v1/pairings/{id}", (w) -> at("/api/v1/pairings/" + w.pending), null,
				401, 401, 401, 200, 404, 403, 403, 200);
		row(rows, "GET /api/v1/pairings/{id}/events", (w) -> at("/api/v1/pairings/" + w.authorized + "/events"), null,
				401, 401, 401, 200, 404, 403, 403, 200);
		// A device station A paired: station A or an ADMIN may pair it again; another station may not.
		row(rows, "POST /api/v1/pairings", (w) -> newPairingOf(w.pairedDevice, w.model),
				(w) -> newPairingOf(w.freshPairedDevice(), w.model), 401, 401, 401, 201, 409, 403, 403, 201);
		row(rows, "POST /api/v1/pairings/batch", (w) -> batchOf(w.pairedDevice, w.model),
				(w) -> batchOf(newDeviceId(), w.model), 401, 401, 401, 200, 200, 403, 403, 200);
		row(rows, "DELETE /api/v1/pairings/{id}", (w) -> at("/api/v1/pairings/" + w.pending),
				(w) -> at("/api/v1/pairings/" + w.freshPending()), 401, 401, 401, 200, 404, 403, 403, 200);
		row(rows, "POST /api/v1/pairings/{id}/device-key", (w) -> at("/api/v1/pairings/" + w.authorized + "/device-key"),
				(w) -> at("/api/v1/pairings/" + w.freshAuthorized()[1] + "/device-key"),
				401, 401, 401, 201, 404, 403, 403, 201);
		// Devices: a DEVICE key only for its own device (another device is 404); the rest is ADMIN's.
		row(rows, "POST /api/v1/devices/{deviceId}/access-token",
				(w) -> at("/api/v1/devices/" + w.pairedDevice + "/access-token"), null,
				401, 401, 401, 403, 403, 200, 404, 200);
		row(rows, "GET /api/v1/devices", fixed("/api/v1/devices"), null, 401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "GET /api/v1/devices/{deviceId}", (w) -> at("/api/v1/devices/" + w.pairedDevice), null,
				401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "POST /api/v1/devices/{deviceId}/revoke", (w) -> at("/api/v1/devices/" + w.pairedDevice + "/revoke"),
				(w) -> at("/api/v1/devices/" + w.freshPairedDevice() + "/revoke"), 401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "POST /api/v1/devices/{deviceId}/device-key",
				(w) -> at("/api/v1/devices/" + w.pairedDevice + "/device-key"),
				(w) -> at("/api/v1/devices/" + w.freshPairedDevice() + "/device-key"),
				401, 401, 401, 403, 403, 403, 403, 201);
		// Administration: ADMIN only.
		row(rows, "GET /api/v1/device-models", fixed("/api/v1/device-models"), null,
				401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "GET /api/v1/device-models/{model}", (w) -> at("/api/v1/device-models/" + w.model), null,
				401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "PUT /api/v1/device-models/{model}",
				(w) -> new Target("/api/v1/device-models/m-" + UUID.randomUUID().toString().substring(0, 8),
						"{\"clientSecret\": \"secret-of-a-new-model\"}"),
				null, 401, 401, 401, 403, 403, 403, 403, 201);
		row(rows, "DELETE /api/v1/device-models/{model}", (w) -> at("/api/v1/device-models/" + w.model),
				(w) -> at("/api/v1/device-models/" + newModel()), 401, 401, 401, 403, 403, 403, 403, 204);
		row(rows, "GET /api/v1/api-keys", fixed("/api/v1/api-keys"), null, 401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "POST /api/v1/api-keys",
				(w) -> new Target("/api/v1/api-keys", "{\"name\": \"matrix-made\", \"role\": \"STATION\"}"), null,
				401, 401, 401, 403, 403, 403, 403, 201);
		row(rows, "DELETE /api/v1/api-keys/{id}", (w) -> at("/api/v1/api-keys/" + w.stationAId),
				(w) -> at("/api/v1/api-keys/" + w.freshKeyId()), 401, 401, 401, 403, 403, 403, 403, 204);
		row(rows, "GET /api/v1/audit-events", fixed("/api/v1/audit-events"), null, 401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "GET /api/v1/stats", fixed("/api/v1/stats"), null, 401, 401, 401, 403, 403, 403, 403, 200);
		// Webhooks: ADMIN only.
		row(rows, "GET /api/v1/webhooks", fixed("/api/v1/webhooks"), null, 401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "POST /api/v1/webhooks",
				(w) -> new Target("/api/v1/webhooks",
						"{\"url\": \"http://127.0.0.1:9/matrix\", \"events\": [\"pairing.denied\"]}"),
				null, 401, 401, 401, 403, 403, 403, 403, 201);
		row(rows, "GET /api/v1/webhooks/{id}", (w) -> at("/api/v1/webhooks/" + w.webhook), null,
				401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "DELETE /api/v1/webhooks/{id}", (w) -> at("/api/v1/webhooks/" + w.webhook),
				(w) -> at("/api/v1/webhooks/" + w.freshWebhook()), 401, 401, 401, 403, 403, 403, 403, 204);
		row(rows, "POST /api/v1/webhooks/{id}/rotate-secret",
				(w) -> at("/api/v1/webhooks/" + w.webhook + "/rotate-secret"), null,
				401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "GET /api/v1/webhooks/{id}/deliveries", (w) -> at("/api/v1/webhooks/" + w.webhook + "/deliveries"),
				null, 401, 401, 401, 403, 403, 403, 403, 200);
		row(rows, "POST /api/v1/webhooks/{id}/deliveries/{deliveryId}/retry",
				(w) -> at("/api/v1/webhooks/" + w.webhook + "/deliveries/" + UUID.randomUUID() + "/retry"),
				(w) -> at(w.finishedDelivery()), 401, 401, 401, 403, 403, 403, 403, 202);
		// Last, and undone after the run: the ADMIN cell switches off the bootstrap key the matrix signs in with.
		row(rows, "DELETE /api/v1/api-keys/bootstrap", (w) -> {
			// Another ADMIN key must work, or switching the bootstrap key off is refused (409).
			newKey("ADMIN");
			return at("/api/v1/api-keys/bootstrap");
		}, null,
				401, 401, 401, 403, 403, 403, 403, 204);
		return rows;
	}

	private static void row(Map<String, Row> rows, String route, Function<World, Target> standing,
			Function<World, Target> fresh, int... expected) {
		assertThat(expected).as(route).hasSize(Who.values().length);
		Map<Who, Integer> byCaller = new EnumMap<>(Who.class);
		for (Who who : Who.values()) {
			byCaller.put(who, expected[who.ordinal()]);
		}
		assertThat(rows.put(route, new Row(route.substring(0, route.indexOf(' ')), standing, fresh, byCaller)))
			.as("one row per route: " + route)
			.isNull();
	}

	private static Function<World, Target> fixed(String path) {
		return (w) -> at(path);
	}

	private static Target at(String path) {
		return new Target(path, null);
	}

	private static Target newPairingOf(String deviceId, String model) {
		return new Target("/api/v1/pairings", "{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}");
	}

	private static Target batchOf(String deviceId, String model) {
		return new Target("/api/v1/pairings/batch",
				"{\"items\": [{\"deviceId\": \"" + deviceId + "\", \"model\": \"" + model + "\"}]}");
	}

	private static String abbreviate(String body) {
		return (body == null || body.length() <= 200) ? body : body.substring(0, 200) + "…";
	}

	/** A request's path and JSON body (null: none). */
	record Target(String path, String body) {
	}

	/** One route: the request on the standing objects, on fresh ones for callers that may succeed, and what each caller gets. */
	record Row(String method, Function<World, Target> standing, Function<World, Target> fresh,
			Map<Who, Integer> expected) {
	}

	/**
	 * The objects the matrix runs on: station A's pairings and devices, with their device keys, and
	 * callers that own none of them.
	 */
	final class World {

		final String model = newModel();

		final String stationA;

		final String stationAId;

		final String stationB = newKey("STATION");

		final String deletedKey;

		/** A's pending pairing. */
		final String pending;

		/** A's authorized pairing of {@code pairedDevice}, whose device key is {@code ownDeviceKey}. */
		final String authorized;

		final String pairedDevice;

		final String ownDeviceKey;

		/** The key of another device, also paired by A. */
		final String otherDeviceKey;

		World() {
			JsonNode a = admin().post("/api/v1/api-keys", "{\"name\": \"station-a\", \"role\": \"STATION\"}").json();
			this.stationA = a.path("key").asString();
			this.stationAId = a.path("id").asString();
			JsonNode gone = admin().post("/api/v1/api-keys", "{\"name\": \"deleted\", \"role\": \"STATION\"}").json();
			this.deletedKey = gone.path("key").asString();
			assertThat(admin().delete("/api/v1/api-keys/" + gone.path("id").asString()).status()).isEqualTo(204);
			this.pending = freshPending();
			String[] paired = freshAuthorized();
			this.pairedDevice = paired[0];
			this.authorized = paired[1];
			this.ownDeviceKey = deviceKey(this.authorized);
			this.otherDeviceKey = deviceKey(freshAuthorized()[1]);
		}

		Api as(Who who) {
			return switch (who) {
				case NO_KEY -> AuthorizationMatrixTests.this.api;
				case MALFORMED_KEY -> AuthorizationMatrixTests.this.api.as("not a key at all");
				case DELETED_KEY -> AuthorizationMatrixTests.this.api.as(this.deletedKey);
				case STATION_OWN -> AuthorizationMatrixTests.this.api.as(this.stationA);
				case STATION_OTHER -> AuthorizationMatrixTests.this.api.as(this.stationB);
				case DEVICE_OWN -> AuthorizationMatrixTests.this.api.as(this.ownDeviceKey);
				case DEVICE_OTHER -> AuthorizationMatrixTests.this.api.as(this.otherDeviceKey);
				case ADMIN -> admin();
			};
		}

		String freshPending() {
			return startPairing(this.stationA, newDeviceId(), this.model, null).path("id").asString();
		}

		/** A new device paired by station A: its id and the pairing's. */
		String[] freshAuthorized() {
			String deviceId = newDeviceId();
			JsonNode started = startPairing(this.stationA, deviceId, this.model, null);
			assertThat(AuthorizationMatrixTests.this.simulator.approve(started.path("userCode").asString())).isTrue();
			advanceAndPoll(Duration.ofSeconds(5));
			String id = started.path("id").asString();
			assertThat(pairing(id).path("status").asString()).isEqualTo("AUTHORIZED");
			return new String[] { deviceId, id };
		}

		String freshPairedDevice() {
			return freshAuthorized()[0];
		}

		final String webhook = freshWebhook();

		String freshWebhook() {
			return admin().post("/api/v1/webhooks", "{\"url\": \"http://127.0.0.1:9/matrix\", \"events\": [\"pairing.denied\"]}")
				.json()
				.path("id")
				.asString();
		}

		/** The retry path of a delivery that failed: a revocation's event to an endpoint of its own. */
		String finishedDelivery() {
			String endpoint = admin()
				.post("/api/v1/webhooks", "{\"url\": \"http://127.0.0.1:9/matrix\", \"events\": [\"device.revoked\"]}")
				.json()
				.path("id")
				.asString();
			assertThat(admin().post("/api/v1/devices/" + freshPairedDevice() + "/revoke", null).status()).isEqualTo(200);
			String delivery = AuthorizationMatrixTests.this.jdbc
				.sql("update webhook_delivery set status = 'FAILED' where endpoint_id = ? returning id")
				.param(UUID.fromString(endpoint))
				.query(String.class)
				.single();
			return "/api/v1/webhooks/" + endpoint + "/deliveries/" + delivery + "/retry";
		}

		String freshKeyId() {
			return admin().post("/api/v1/api-keys", "{\"name\": \"to-delete\", \"role\": \"STATION\"}")
				.json()
				.path("id")
				.asString();
		}

		private String deviceKey(String pairingId) {
			Api.Response issued = as(Who.STATION_OWN).post("/api/v1/pairings/" + pairingId + "/device-key", null);
			assertThat(issued.status()).as(issued.body()).isEqualTo(201);
			return issued.json().path("deviceKey").asString();
		}

	}

}
