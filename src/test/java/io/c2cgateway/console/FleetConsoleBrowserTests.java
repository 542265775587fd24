package io.c2cgateway.console;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

import io.c2cgateway.sandbox.Fault;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin's fleet view in a real, headless Chromium: filtering pairings that update by
 * themselves, revoking a device after a confirmation, keys shown once, device models, the audit
 * trail, and that a station gets none of it. Pages are saved under target/screenshots.
 */
class FleetConsoleBrowserTests extends IntegrationTest {

	private static ConsoleBrowser browser;

	private final HttpClient http = HttpClient.newBuilder()
		.followRedirects(HttpClient.Redirect.NEVER)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	@Autowired
	@Qualifier("requestMappingHandlerMapping")
	private RequestMappingHandlerMapping routes;

	@BeforeEach
	void freshBrowser() throws IOException {
		if (browser == null) {
			browser = ConsoleBrowser.start(this.port);
		}
		browser.signOutAll();
	}

	@AfterAll
	static void stopBrowser() throws IOException {
		if (browser != null) {
			browser.close();
			browser = null;
		}
	}

	@Test
	void adminFiltersPairingsByStationAndStatusAndSeesAPendingRowTurnAuthorizedWithoutAReload() throws Exception {
		String model = newModel();
		Key lineA = key("line-a", "STATION");
		Key lineB = key("line-b", "STATION");
		String first = newDeviceId();
		String second = newDeviceId();
		String elsewhere = newDeviceId();
		JsonNode watched = startPairing(lineA.key(), first, model, null);
		// The test clock stands still: move it so "newest first" has an order to show.
		this.clock.advance(Duration.ofSeconds(1));
		startPairing(lineA.key(), second, model, null);
		startPairing(lineB.key(), elsewhere, model, null);
		signInAsAdmin();

		browser.clickAndLoad(browser.find(By.id("fleet-link")));
		assertThat(browser.waitFor(By.tagName("h1")).getText()).isEqualTo("Fleet");
		browser.clickAndLoad(browser.find(By.linkText("Pairings")));
		new Select(browser.waitFor(By.id("station"))).selectByValue(lineA.id());
		new Select(browser.find(By.id("model"))).selectByValue(model);
		browser.clickAndLoad(browser.find(By.cssSelector("form.filters button[type=submit]")));
		assertThat(deviceColumn()).containsExactly(second, first);
		assertThat(browser.driver().getCurrentUrl()).contains("station=" + lineA.id());

		new Select(browser.find(By.id("status"))).selectByValue("AUTHORIZED");
		browser.clickAndLoad(browser.find(By.cssSelector("form.filters button[type=submit]")));
		assertThat(deviceColumn()).isEmpty();
		assertThat(browser.find(By.id("rows")).getText()).isEqualTo("No pairing matches these filters.");

		new Select(browser.find(By.id("status"))).selectByValue("PENDING");
		browser.find(By.id("deviceId")).sendKeys(first);
		browser.clickAndLoad(browser.find(By.cssSelector("form.filters button[type=submit]")));
		assertThat(deviceColumn()).containsExactly(first);

		browser.open("/console/fleet/pairings?status=BOGUS");
		assertThat(browser.find(By.tagName("h1")).getText()).isEqualTo("That did not work");
		assertThat(browser.find(By.tagName("main")).getText()).contains("status must be one of");

		browser.open("/console/fleet/pairings?model=" + model);
		assertThat(deviceColumn()).containsExactlyInAnyOrder(first, second, elsewhere);
		String id = watched.path("id").asString();
		assertThat(statusOf(id)).isEqualTo("PENDING");
		assertThat(this.simulator.approve(watched.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(id).path("status").asString()).isEqualTo("AUTHORIZED");
		// No reload: the table's own refresh brings the new status.
		new WebDriverWait(browser.driver(), Duration.ofSeconds(10))
			.until((driver) -> "AUTHORIZED".equals(statusOf(id)));
		assertThat(readingTheLiveTable(
				() -> browser.find(By.cssSelector("tr[data-pairing='" + id + "'] td:nth-child(6)")).getText()))
			.matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d");
		browser.screenshot("fleet-pairings");
	}

	@Test
	void pairingsArePagedNewestFirstWithoutLosingOrRepeatingARow() throws Exception {
		String model = newModel();
		String station = newKey("STATION");
		List<String> started = new ArrayList<>();
		for (int i = 0; i < FleetController.PAGE_SIZE + 3; i++) {
			String deviceId = newDeviceId();
			startPairing(station, deviceId, model, null);
			started.add(0, deviceId);
			this.clock.advance(Duration.ofMillis(10));
		}
		signInAsAdmin();

		browser.open("/console/fleet/pairings?model=" + model);
		List<String> first = deviceColumn();
		assertThat(first).hasSize(FleetController.PAGE_SIZE);
		browser.clickAndLoad(browser.find(By.id("next-page")));
		List<String> second = deviceColumn();
		assertThat(browser.driver().findElements(By.id("next-page"))).isEmpty();

		List<String> seen = new ArrayList<>(first);
		seen.addAll(second);
		assertThat(seen).containsExactlyElementsOf(started);
		assertThat(browser.driver().getCurrentUrl()).contains("model=" + model).contains("cursor=");
		browser.clickAndLoad(browser.find(By.linkText("First page")));
		assertThat(deviceColumn()).isEqualTo(first);
	}

	@Test
	void overviewCountsMatchTheApiAndTheChartShowsFinishedPairings() throws Exception {
		String model = newModel();
		JsonNode started = startPairing(newKey("STATION"), newDeviceId(), model, null);
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("AUTHORIZED");
		signInAsAdmin();

		browser.open("/console/fleet");
		JsonNode stats = admin().get("/api/v1/stats").json();
		for (String status : List.of("PENDING", "AUTHORIZED", "EXPIRED", "DENIED", "FAILED", "CANCELLED")) {
			assertThat(browser.find(By.id("pairings-" + status)).getText()).as(status)
				.isEqualTo(Long.toString(stats.path("pairings").path(status).asLong()));
		}
		for (String state : List.of("PAIRED", "REAUTH_REQUIRED", "REVOKED")) {
			assertThat(browser.find(By.id("devices-" + state)).getText()).as(state)
				.isEqualTo(Long.toString(stats.path("devices").path(state).asLong()));
		}
		assertThat(browser.driver().findElements(By.cssSelector("#chart svg rect[data-status='AUTHORIZED']"))).isNotEmpty();
		assertThat(browser.find(By.cssSelector("#chart svg title")).getAttribute("textContent"))
			.startsWith("Pairings finished per hour");
		browser.screenshot("fleet-overview");
	}

	@Test
	void adminRevokesADeviceOnlyAfterConfirmingAndSeesDevicesThatNeedAttentionMarked() throws Exception {
		String model = newModel();
		String station = newKey("STATION");
		String kept = paired(model, station);
		String revoked = paired(model, station);
		String stale = paired(model, station);
		makeReauthRequired(stale, station);
		String refused = paired(model, station);
		this.simulator.inject(Fault.error("revoke", refused, "invalid_grant"));
		assertThat(admin().post("/api/v1/devices/" + refused + "/revoke", null).json().path("upstreamRevocation").asString())
			.isEqualTo("FAILED");
		signInAsAdmin();

		browser.open("/console/fleet/devices?model=" + model);
		WebElement staleRow = browser.find(By.cssSelector("tr[data-device='" + stale + "']"));
		assertThat(staleRow.getAttribute("class")).contains("attention");
		assertThat(staleRow.getText()).contains("REAUTH_REQUIRED").contains("Needs pairing again");
		WebElement refusedRow = browser.find(By.cssSelector("tr[data-device='" + refused + "']"));
		assertThat(refusedRow.getAttribute("class")).contains("attention");
		assertThat(refusedRow.getText()).contains("Frame.io refused the revocation (invalid_grant)");
		assertThat(browser.find(By.cssSelector("tr[data-device='" + kept + "']")).getAttribute("class"))
			.doesNotContain("attention");
		browser.screenshot("fleet-devices");

		browser.clickAndLoad(browser.find(By.cssSelector("tr[data-device='" + revoked + "'] a.button-link")));
		assertThat(browser.waitFor(By.tagName("h1")).getText()).isEqualTo("Revoke " + revoked + "?");
		assertThat(device(revoked).path("state").asString()).as("opening the confirmation changes nothing")
			.isEqualTo("PAIRED");
		browser.screenshot("fleet-revoke-confirm");
		browser.clickAndLoad(browser.find(By.id("cancel")));
		assertThat(device(revoked).path("state").asString()).isEqualTo("PAIRED");

		browser.clickAndLoad(browser.find(By.cssSelector("tr[data-device='" + revoked + "'] a.button-link")));
		browser.clickAndLoad(browser.waitFor(By.id("confirm")));
		assertThat(browser.waitFor(By.id("notice")).getText()).startsWith("Revoked " + revoked + ".");
		assertThat(browser.driver().getCurrentUrl()).endsWith("/console/fleet/devices?model=" + model);
		assertThat(device(revoked).path("state").asString()).isEqualTo("REVOKED");
		assertThat(device(kept).path("state").asString()).isEqualTo("PAIRED");
		assertThat(browser.driver().findElements(By.cssSelector("tr[data-device='" + revoked + "'] a.button-link")))
			.as("a revoked device offers no revoke")
			.isEmpty();
	}

	@Test
	void adminCreatesAStationKeyThatIsShownOnceAndWorks() throws Exception {
		signInAsAdmin();
		String name = "line-" + UUID.randomUUID().toString().substring(0, 6) + "-station";

		browser.open("/console/fleet/keys");
		browser.find(By.id("name")).sendKeys(name);
		new Select(browser.find(By.id("role"))).selectByValue("STATION");
		browser.clickAndLoad(browser.find(By.cssSelector("main form.stack button[type=submit]")));
		String key = browser.waitFor(By.id("api-key")).getDomProperty("value");
		assertThat(browser.find(By.cssSelector(".warning")).getText()).contains("Shown once");
		browser.screenshot("fleet-key-created");
		Api.Response asStation = this.api.as(key).get("/api/v1/pairings?limit=1");
		assertThat(asStation.status()).as(asStation.body()).isEqualTo(200);
		assertThat(this.api.as(key).get("/api/v1/stats").status()).as("a station key, not an admin key").isEqualTo(403);

		browser.open("/console/fleet/keys");
		assertThat(browser.find(By.cssSelector("tr[data-key='" + name + "']")).getText()).contains("STATION");
		assertThat(browser.driver().getPageSource()).doesNotContain(key);
		browser.screenshot("fleet-keys");

		browser.clickAndLoad(browser.find(By.cssSelector("tr[data-key='" + name + "'] a.button-link")));
		browser.clickAndLoad(browser.waitFor(By.id("confirm")));
		assertThat(browser.waitFor(By.id("notice")).getText()).isEqualTo("Deleted key " + name + ".");
		assertThat(this.api.as(key).get("/api/v1/pairings?limit=1").status()).isEqualTo(401);
	}

	@Test
	void invalidKeyFormChangesNothingAndSaysWhy() throws Exception {
		signInAsAdmin();
		int before = admin().get("/api/v1/api-keys").json().path("items").size();

		browser.open("/console/fleet/keys");
		browser.find(By.id("name")).sendKeys("\t");
		browser.clickAndLoad(browser.find(By.cssSelector("main form.stack button[type=submit]")));

		assertThat(browser.waitFor(By.id("name-error")).getText()).isNotBlank();
		assertThat(browser.find(By.id("name")).getAttribute("aria-invalid")).isEqualTo("true");
		assertThat(admin().get("/api/v1/api-keys").json().path("items").size()).isEqualTo(before);
	}

	@Test
	void adminCreatesRotatesAndDeletesADeviceModelAndFindsItAllInTheAuditTrail() throws Exception {
		signInAsAdmin();
		String model = "cam-" + UUID.randomUUID().toString().substring(0, 8);

		browser.open("/console/fleet/models");
		browser.find(By.id("model")).sendKeys(model);
		browser.find(By.id("clientSecret")).sendKeys("first-secret-of-" + model);
		browser.find(By.id("defaultClientVersion")).sendKeys("1.2.0");
		browser.find(By.id("urlPairing")).click();
		browser.clickAndLoad(browser.find(By.cssSelector("form[aria-labelledby=new-model] button[type=submit]")));
		assertThat(browser.waitFor(By.id("notice")).getText()).isEqualTo("Created device model " + model + ".");
		JsonNode created = admin().get("/api/v1/device-models/" + model).json();
		assertThat(created.path("defaultClientVersion").asString()).isEqualTo("1.2.0");
		assertThat(created.path("urlPairing").asBoolean()).isTrue();
		assertThat(browser.driver().getPageSource()).doesNotContain("first-secret-of-" + model);

		WebElement row = browser.find(By.cssSelector("tr[data-model='" + model + "']"));
		row.findElement(By.tagName("summary")).click();
		row.findElement(By.cssSelector("input[type=password]")).sendKeys("second-secret-of-" + model);
		browser.screenshot("fleet-models");
		browser.clickAndLoad(row.findElement(By.cssSelector("form button[type=submit]")));
		assertThat(browser.waitFor(By.id("notice")).getText()).isEqualTo("Rotated the client secret of " + model + ".");
		assertThat(Instant.parse(admin().get("/api/v1/device-models/" + model).json().path("secretUpdatedAt").asString()))
			.isAfterOrEqualTo(Instant.parse(created.path("secretUpdatedAt").asString()));

		browser.clickAndLoad(browser.find(By.cssSelector("tr[data-model='" + model + "'] a.button-link")));
		browser.clickAndLoad(browser.waitFor(By.id("confirm")));
		assertThat(browser.waitFor(By.id("notice")).getText()).isEqualTo("Deleted device model " + model + ".");
		assertThat(admin().get("/api/v1/device-models/" + model).status()).isEqualTo(404);

		browser.open("/console/fleet/audit");
		browser.find(By.id("subjectId")).sendKeys(model);
		browser.clickAndLoad(browser.find(By.cssSelector("form.filters button[type=submit]")));
		assertThat(actionColumn()).containsExactly("device_model.deleted", "device_model.updated", "device_model.created");
		browser.find(By.id("action")).sendKeys("device_model.updated");
		browser.clickAndLoad(browser.find(By.cssSelector("form.filters button[type=submit]")));
		assertThat(actionColumn()).containsExactly("device_model.updated");
		assertThat(browser.find(By.id("audit")).getText()).contains("secret=rotated").doesNotContain("second-secret");
		browser.screenshot("fleet-audit");
	}

	@Test
	void consoleSignInsAreAuditedAndRefusedOnesToo() throws Exception {
		Key admin = key("fleet-admin", "ADMIN");
		browser.signIn(admin.key());
		browser.signOutAll();
		browser.open("/console/sign-in");
		browser.find(By.id("apiKey")).sendKeys("not-a-key-" + UUID.randomUUID());
		browser.clickAndLoad(browser.find(By.cssSelector("main form button[type=submit]")));
		assertThat(browser.waitFor(By.cssSelector("[role=alert]")).getText()).contains("unknown");

		JsonNode signedIn = admin().get("/api/v1/audit-events?action=console.signed_in&subjectId=" + admin.id()).json();
		assertThat(signedIn.path("items").size()).isEqualTo(1);
		assertThat(signedIn.path("items").get(0).path("actor").asString()).contains(admin.id());
		JsonNode refused = admin().get("/api/v1/audit-events?action=auth.refused&limit=5").json();
		assertThat(refused.path("items").findValuesAsString("detail"))
			.anyMatch((detail) -> detail.contains("path=/console/sign-in") && detail.contains("reason=malformed"));
	}

	@Test
	void keyWithTheLongestNameAllowedSignsIn() {
		Api.Response created = admin().post("/api/v1/api-keys",
				"{\"name\": \"" + "n".repeat(94) + UUID.randomUUID().toString().substring(0, 6) + "\", \"role\": \"ADMIN\"}");
		assertThat(created.status()).as(created.body()).isEqualTo(201);

		browser.signIn(created.json().path("key").asString());

		assertThat(browser.find(By.tagName("h1")).getText()).isEqualTo("Console");
		assertThat(browser.find(By.cssSelector("header .who strong")).getText()).hasSize(100);
	}

	@Test
	void stationGetsANotAllowedPageForEveryFleetPageAndActionAndNoFleetLink() throws Exception {
		String model = newModel();
		String paired = paired(model, newKey("STATION"));
		browser.signIn(newKey("STATION"));
		assertThat(browser.driver().findElements(By.id("fleet-link"))).isEmpty();

		browser.open("/console/fleet/devices");
		assertThat(browser.find(By.tagName("h1")).getText()).isEqualTo("Not allowed");
		browser.screenshot("fleet-refused-to-station");

		String cookie = browser.sessionCookie();
		String csrf = csrfToken(cookie);
		List<String> fleetRoutes = new ArrayList<>();
		for (RequestMappingInfo info : this.routes.getHandlerMethods().keySet()) {
			for (String pattern : info.getPatternValues()) {
				if (pattern.startsWith("/console/fleet")) {
					for (RequestMethod method : info.getMethodsCondition().getMethods()) {
						fleetRoutes.add(method.name() + " " + pattern);
					}
				}
			}
		}
		assertThat(fleetRoutes).hasSizeGreaterThanOrEqualTo(10);
		List<String> wrong = new ArrayList<>();
		for (String route : fleetRoutes) {
			String method = route.substring(0, route.indexOf(' '));
			String path = route.substring(route.indexOf(' ') + 1)
				.replace("{deviceId}", paired)
				.replace("{model}", model)
				.replace("{id}", UUID.randomUUID().toString());
			HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(browser.url(path))).header("Cookie", cookie);
			if (method.equals("POST")) {
				// A valid token: only the role can be what refuses it.
				request.header("Content-Type", "application/x-www-form-urlencoded")
					.POST(HttpRequest.BodyPublishers.ofString("_csrf=" + csrf + "&name=sneaky&role=ADMIN&clientSecret=x"));
			}
			HttpResponse<String> answer = send(request);
			if (answer.statusCode() != 403 || !answer.body().contains("Not allowed")) {
				wrong.add(route + " answered " + answer.statusCode());
			}
		}
		assertThat(wrong).isEmpty();
		assertThat(device(paired).path("state").asString()).isEqualTo("PAIRED");
		assertThat(admin().get("/api/v1/device-models/" + model).status()).isEqualTo(200);
		assertThat(admin().get("/api/v1/api-keys").body()).doesNotContain("sneaky");
		// The token itself was good: the same session may still sign out with it.
		HttpResponse<String> signOut = send(HttpRequest.newBuilder(URI.create(browser.url("/console/sign-out")))
			.header("Cookie", cookie)
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString("_csrf=" + csrf)));
		assertThat(signOut.statusCode()).isEqualTo(302);
	}

	@Test
	void fleetFormPostsWithoutACsrfTokenAreRefusedAndChangeNothing() throws Exception {
		String model = newModel();
		String paired = paired(model, newKey("STATION"));
		signInAsAdmin();
		String cookie = browser.sessionCookie();
		String name = "forged-" + UUID.randomUUID().toString().substring(0, 8);

		HttpResponse<String> key = send(HttpRequest.newBuilder(URI.create(browser.url("/console/fleet/keys")))
			.header("Cookie", cookie)
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString("name=" + name + "&role=ADMIN")));
		HttpResponse<String> revoke = send(
				HttpRequest.newBuilder(URI.create(browser.url("/console/fleet/devices/" + paired + "/revoke")))
					.header("Cookie", cookie)
					.header("Content-Type", "application/x-www-form-urlencoded")
					.POST(HttpRequest.BodyPublishers.ofString("")));

		assertThat(key.statusCode()).isEqualTo(403);
		assertThat(revoke.statusCode()).isEqualTo(403);
		assertThat(admin().get("/api/v1/api-keys").body()).doesNotContain(name);
		assertThat(device(paired).path("state").asString()).isEqualTo("PAIRED");
	}

	private void signInAsAdmin() {
		browser.signIn(key("fleet-admin", "ADMIN").key());
	}

	/** A new key; its name gets a random suffix so tests sharing the database never collide. */
	private Key key(String name, String role) {
		String unique = name + "-" + UUID.randomUUID().toString().substring(0, 6);
		Api.Response created = admin().post("/api/v1/api-keys",
				"{\"name\": \"" + unique + "\", \"role\": \"" + role + "\"}");
		assertThat(created.status()).as(created.body()).isEqualTo(201);
		return new Key(created.json().path("id").asString(), unique, created.json().path("key").asString());
	}

	/** A device paired through the API; returns its id. */
	private String paired(String model, String station) {
		String deviceId = newDeviceId();
		JsonNode started = startPairing(station, deviceId, model, null);
		assertThat(this.simulator.approve(started.path("userCode").asString())).isTrue();
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(started.path("id").asString()).path("status").asString()).isEqualTo("AUTHORIZED");
		return deviceId;
	}

	/** The real way there: the access token runs out and Frame.io refuses the refresh. */
	private void makeReauthRequired(String deviceId, String station) {
		String pairingId = admin().get("/api/v1/devices/" + deviceId).json().path("lastPairingId").asString();
		Api.Response issued = this.api.as(station).post("/api/v1/pairings/" + pairingId + "/device-key", null);
		assertThat(issued.status()).as(issued.body()).isEqualTo(201);
		Instant expires = Instant.parse(device(deviceId).path("accessTokenExpiresAt").asString());
		this.clock.advance(Duration.between(this.clock.instant(), expires).plusSeconds(1));
		this.simulator.inject(Fault.error("token_refresh", deviceId, "invalid_grant"));
		Api.Response token = this.api.as(issued.json().path("deviceKey").asString())
			.post("/api/v1/devices/" + deviceId + "/access-token", null);
		assertThat(token.status()).as(token.body()).isEqualTo(409);
		assertThat(device(deviceId).path("state").asString()).isEqualTo("REAUTH_REQUIRED");
	}

	private JsonNode device(String deviceId) {
		Api.Response response = admin().get("/api/v1/devices/" + deviceId);
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return response.json();
	}

	private static List<String> deviceColumn() {
		return readingTheLiveTable(() -> browser.driver()
			.findElements(By.cssSelector("#rows tr[data-pairing] td:nth-child(2)"))
			.stream()
			.map(WebElement::getText)
			.toList());
	}

	/**
	 * The pairing table swaps its body for a fresh one every few seconds while a row is pending, so a
	 * cell found just before a swap is gone by the time its text is read: read again from the new body.
	 */
	private static <T> T readingTheLiveTable(java.util.function.Supplier<T> read) {
		for (int attempt = 1;; attempt++) {
			try {
				return read.get();
			}
			catch (org.openqa.selenium.StaleElementReferenceException ex) {
				if (attempt == 5) {
					throw ex;
				}
			}
		}
	}

	private static List<String> actionColumn() {
		return browser.driver()
			.findElements(By.cssSelector("#audit tbody tr td:nth-child(3)"))
			.stream()
			.map(WebElement::getText)
			.toList();
	}

	private static String statusOf(String pairingId) {
		return readingTheLiveTable(() -> {
			List<WebElement> badge = browser.driver()
				.findElements(By.cssSelector("tr[data-pairing='" + pairingId + "'] .badge"));
			return badge.isEmpty() ? null : badge.get(0).getText();
		});
	}

	/** The session's CSRF token, as the console's own forms carry it. */
	private String csrfToken(String cookie) throws Exception {
		String home = send(HttpRequest.newBuilder(URI.create(browser.url("/console"))).header("Cookie", cookie)).body();
		Matcher token = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(home);
		assertThat(token.find()).as("the home page's sign-out form carries a token").isTrue();
		return token.group(1);
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		return this.http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
	}

	record Key(String id, String name, String key) {
	}

}
