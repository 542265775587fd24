package io.c2cgateway.console;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import com.google.zxing.BinaryBitmap;
import com.google.zxing.DecodeHintType;
import com.google.zxing.client.j2se.BufferedImageLuminanceSource;
import com.google.zxing.common.HybridBinarizer;
import com.google.zxing.qrcode.QRCodeReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;

import io.c2cgateway.pairing.FrameioDeviceLookupDriver;
import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The web console in a real, headless Chromium: what a person at a station sees and clicks. Pages
 * are saved under target/screenshots as they are seen.
 */
class StationConsoleBrowserTests extends IntegrationTest {

	private static final Path SCREENSHOTS = Path.of("target", "screenshots");

	private static ConsoleBrowser console;

	@Autowired
	private ApplicationContext context;

	private static WebDriver browser;

	private final HttpClient http = HttpClient.newBuilder()
		.followRedirects(HttpClient.Redirect.NEVER)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	@BeforeAll
	static void startBrowser() throws IOException {
		console = ConsoleBrowser.start();
		browser = console.driver();
	}

	@AfterAll
	static void stopBrowser() throws IOException {
		if (console != null) {
			console.close();
		}
	}

	@org.junit.jupiter.api.AfterEach
	void noScriptErrors() {
		// A script that throws leaves the page looking right and dead: fail on it here.
		assertThat(browser.manage().logs().get("browser").getAll())
			.filteredOn((entry) -> entry.getMessage().contains("/console/assets/"))
			.isEmpty();
	}

	@BeforeEach
	void signedOut() {
		browser.get(url("/console/sign-in"));
		browser.manage().deleteAllCookies();
	}

	@Test
	void stationSignsInPairsASandboxDeviceAndSeesItsDeviceKeyOnce() throws Exception {
		// URL pairing: Frame.io then sends verification_uri_complete, the link the QR code carries.
		String model = "m-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		assertThat(admin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"secret-of-" + model
				+ "\", \"defaultClientVersion\": \"1.0.0\", \"urlPairing\": true}").status()).isEqualTo(201);
		String station = newKey("STATION");
		String deviceId = newDeviceId();

		browser.get(url("/"));
		assertThat(browser.getCurrentUrl()).endsWith("/console/sign-in");
		screenshot("sign-in");
		signIn(station);
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Console");

		browser.findElement(By.linkText("Pair a device")).click();
		browser.findElement(By.id("deviceId")).sendKeys(deviceId);
		browser.findElement(By.id("model")).sendKeys(model);
		browser.findElement(By.cssSelector("form button[type=submit]:not(.link)")).click();
		String code = waitFor(By.id("user-code")).getText();
		String pairingId = browser.getCurrentUrl().substring(browser.getCurrentUrl().lastIndexOf('/') + 1);
		JsonNode pairing = pairing(pairingId);
		assertThat(code).isEqualTo(pairing.path("userCode").asString());
		String complete = pairing.path("verificationUriComplete").asString();
		assertThat(decodeQr()).isEqualTo(complete);
		assertThat(browser.findElement(By.id("countdown")).getText()).matches("\\d+:\\d\\d");
		screenshot("station-pending");

		String station_tab = browser.getWindowHandle();
		browser.switchTo().newWindow(WindowType.TAB);
		browser.get(complete);
		assertThat(browser.findElement(By.id("user-code")).getText()).isEqualTo(code);
		screenshot("sandbox-pair");
		browser.findElement(By.id("approve")).click();
		assertThat(waitFor(By.id("decision")).getText()).isEqualTo("Approved");
		browser.close();
		browser.switchTo().window(station_tab);

		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(pairing(pairingId).path("status").asString()).isEqualTo("AUTHORIZED");
		// No reload: the page's own polling brings the outcome.
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.until(ExpectedConditions.textToBe(By.id("status-heading"), "Paired"));
		assertThat(browser.findElement(By.id("announce")).getText()).isEqualTo("Paired.");
		// Where the device landed comes later, from its own call to Frame.io: the page keeps asking for it.
		assertThat(browser.findElements(By.id("frameio-device"))).isEmpty();
		assertThat(FrameioDeviceLookupDriver.runOnce(this.context)).isPositive();
		assertThat(new WebDriverWait(browser, Duration.ofSeconds(10))
			.until(ExpectedConditions.visibilityOfElementLocated(By.id("frameio-device"))).getText())
			.contains("project Sandbox Project");
		screenshot("station-authorized");

		browser.findElement(By.id("reveal-key")).click();
		String deviceKey = waitFor(By.id("device-key")).getDomProperty("value");
		assertThat(browser.findElement(By.cssSelector(".warning")).getText()).contains("Shown once");
		screenshot("device-key");
		Api.Response token = this.api.as(deviceKey).post("/api/v1/devices/" + deviceId + "/access-token", "{}");
		assertThat(token.status()).as(token.body()).isEqualTo(200);

		browser.get(url("/console/pairings/" + pairingId));
		browser.findElement(By.id("reveal-key")).click();
		assertThat(waitFor(By.tagName("h1")).getText()).isEqualTo("That did not work");
		assertThat(browser.getPageSource()).doesNotContain(deviceKey);

		browser.findElement(By.cssSelector("button.link")).click();
		assertThat(waitFor(By.cssSelector("[role=status]")).getText()).isEqualTo("You are signed out.");
		signIn(deviceKey);
		assertThat(waitFor(By.cssSelector("[role=alert]")).getText()).contains("Device keys cannot sign in");
	}

	@Test
	void stationOpeningAnotherStationsPairingGetsANotFoundPage() throws Exception {
		String model = newModel();
		String other = newKey("STATION");
		String theirs = startPairing(other, newDeviceId(), model, null).path("id").asString();
		signIn(newKey("STATION"));

		browser.get(url("/console/pairings/" + theirs));
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Not found");
		assertThat(browser.getPageSource()).doesNotContain(pairing(theirs).path("userCode").asString());
		screenshot("not-found");
		HttpResponse<String> page = send(HttpRequest.newBuilder(URI.create(url("/console/pairings/" + theirs)))
			.header("Cookie", sessionCookie()));
		assertThat(page.statusCode()).isEqualTo(404);
		HttpResponse<String> panel = send(HttpRequest.newBuilder(URI.create(url("/console/pairings/" + theirs + "/panel")))
			.header("Cookie", sessionCookie()));
		assertThat(panel.statusCode()).isEqualTo(404);
	}

	@Test
	void formPostWithoutCsrfTokenIsRefusedAndStartsNothing() throws Exception {
		String model = newModel();
		String deviceId = newDeviceId();
		signIn(newKey("STATION"));

		HttpResponse<String> forged = send(HttpRequest.newBuilder(URI.create(url("/console/pairings")))
			.header("Cookie", sessionCookie())
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString("deviceId=" + deviceId + "&model=" + model)));

		assertThat(forged.statusCode()).isEqualTo(403);
		assertThat(admin().get("/api/v1/pairings?deviceId=" + deviceId).json().path("items").size()).isZero();
	}

	@Test
	void deletingTheKeyEndsItsConsoleSession() throws Exception {
		Api.Response created = admin().post("/api/v1/api-keys", "{\"name\": \"doomed-station\", \"role\": \"STATION\"}");
		signIn(created.json().path("key").asString());
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Console");

		assertThat(admin().delete("/api/v1/api-keys/" + created.json().path("id").asString()).status()).isIn(200, 204);

		browser.get(url("/console/pairings/new"));
		assertThat(browser.getCurrentUrl()).endsWith("/console/sign-in");
	}

	@Test
	void sessionCookieIsHttpOnlyAndSameSite() throws Exception {
		signIn(newKey("STATION"));
		Cookie cookie = browser.manage().getCookieNamed("C2C_CONSOLE");
		assertThat(cookie).isNotNull();
		assertThat(cookie.isHttpOnly()).isTrue();
		assertThat(cookie.getSameSite()).isEqualTo("Lax");
		assertThat(cookie.getPath()).isEqualTo("/console");
	}

	@Test
	void countdownAndCodeFollowARenewalWithoutAReload() throws Exception {
		String model = urlPairingModel();
		signIn(newKey("STATION"));
		String pairingId = startOnThePage(newDeviceId(), model, null);
		JsonNode first = pairing(pairingId);
		assertThat(browser.findElement(By.id("user-code")).getText()).isEqualTo(first.path("userCode").asString());
		assertThat(secondsOnTheCountdown()).isBetween(100, 120);

		// The sandbox's codes live 120 s. Near the end of the first one the page counts its last seconds...
		for (int round = 0; round < 20; round++) {
			advanceAndPoll(Duration.ofSeconds(5));
		}
		assertThat(pairing(pairingId).path("codesIssued").asInt()).isEqualTo(1);
		new WebDriverWait(browser, Duration.ofSeconds(10)).until((page) -> secondsOnTheCountdown() <= 20);
		// ...then the engine fetches a fresh code for the same pairing.
		for (int round = 0; round < 10 && pairing(pairingId).path("codesIssued").asInt() < 2; round++) {
			advanceAndPoll(Duration.ofSeconds(5));
		}
		JsonNode renewed = pairing(pairingId);
		assertThat(renewed.path("codesIssued").asInt()).isEqualTo(2);
		assertThat(renewed.path("status").asString()).isEqualTo("PENDING");
		String newCode = renewed.path("userCode").asString();

		new WebDriverWait(browser, Duration.ofSeconds(10))
			.until(ExpectedConditions.textToBe(By.id("user-code"), newCode));
		assertThat(browser.findElement(By.id("renewals")).getText()).contains("code 2");
		// The old code would be at 0:00 by now; the page counts down to the new code's expiry instead.
		long expected = Duration.between(this.clock.instant(), Instant.parse(renewed.path("codeExpiresAt").asString()))
			.toSeconds();
		assertThat(secondsOnTheCountdown()).isBetween((int) expected - 5, (int) expected);
		assertThat(decodeQr()).isEqualTo(renewed.path("verificationUriComplete").asString());
		assertThat(browser.findElement(By.id("announce")).getText()).contains("a new code");
		screenshot("station-renewed");

		// On a tablet held upright: code and QR code stacked, nothing wider than the screen.
		browser.manage().window().setSize(new org.openqa.selenium.Dimension(820, 1180));
		try {
			Long overflow = (Long) ((ChromeDriver) browser)
				.executeScript("return document.documentElement.scrollWidth - document.documentElement.clientWidth");
			assertThat(overflow).isLessThanOrEqualTo(0L);
			assertThat(browser.findElement(By.id("user-code")).isDisplayed()).isTrue();
			assertThat(decodeQr()).isEqualTo(renewed.path("verificationUriComplete").asString());
			screenshot("station-tablet");
		}
		finally {
			browser.manage().window().setSize(new org.openqa.selenium.Dimension(1366, 768));
		}
	}

	@Test
	void deniedPairingSaysWhyAndTryAgainStartsANewOneForTheSameDevice() throws Exception {
		String model = urlPairingModel();
		String deviceId = newDeviceId();
		signIn(newKey("STATION"));
		String denied = startOnThePage(deviceId, model, "2.1.0");
		String complete = pairing(denied).path("verificationUriComplete").asString();

		String stationTab = browser.getWindowHandle();
		browser.switchTo().newWindow(WindowType.TAB);
		browser.get(complete);
		browser.findElement(By.id("deny")).click();
		assertThat(waitFor(By.id("decision")).getText()).isEqualTo("Denied");
		browser.close();
		browser.switchTo().window(stationTab);
		advanceAndPoll(Duration.ofSeconds(5));

		new WebDriverWait(browser, Duration.ofSeconds(10))
			.until(ExpectedConditions.textToBe(By.id("status-heading"), "Denied"));
		assertThat(browser.findElement(By.id("reason")).getText()).isEqualTo("The request was denied in Frame.io.");
		assertThat(browser.findElement(By.id("announce")).getText()).startsWith("Denied.");
		screenshot("station-denied");

		browser.findElement(By.id("try-again")).click();
		String code = waitFor(By.id("user-code")).getText();
		String again = browser.getCurrentUrl().substring(browser.getCurrentUrl().lastIndexOf('/') + 1);
		assertThat(again).isNotEqualTo(denied);
		JsonNode retried = pairing(again);
		assertThat(retried.path("status").asString()).isEqualTo("PENDING");
		assertThat(retried.path("deviceId").asString()).isEqualTo(deviceId);
		assertThat(retried.path("model").asString()).isEqualTo(model);
		assertThat(retried.path("clientVersion").asString()).isEqualTo("2.1.0");
		assertThat(code).isEqualTo(retried.path("userCode").asString());
	}

	@Test
	void signInsAreAuditedWhetherAcceptedOrRefused() throws Exception {
		// A long name as well: the session store indexes sessions by a name that must fit 100 characters.
		Api.Response created = admin().post("/api/v1/api-keys",
				"{\"name\": \"line-3-station-on-the-second-floor-near-the-loading-dock\", \"role\": \"STATION\"}");
		String keyId = created.json().path("id").asString();
		String key = created.json().path("key").asString();

		signIn(key);
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Console");
		assertThat(audited("console.signed_in", keyId)).singleElement().satisfies((detail) -> {
			assertThat(detail).startsWith("remote=");
		});
		browser.findElement(By.cssSelector("button.link")).click();
		// The click returns before the sign-out has been answered; the sign-in form comes back after it.
		waitFor(By.id("apiKey"));
		assertThat(audited("console.signed_out", keyId)).hasSize(1);

		assertThat(admin().delete("/api/v1/api-keys/" + keyId).status()).isIn(200, 204);
		signIn(key);
		assertThat(waitFor(By.cssSelector("[role=alert]")).getText()).contains("unknown or no longer valid");
		assertThat(audited("auth.refused", keyId)).singleElement().satisfies((detail) -> {
			assertThat(detail).contains("reason=revoked", "path=/console/sign-in", "method=POST");
			assertThat(detail).doesNotContain(key);
		});
	}

	@Test
	void sandboxDecisionsPostedFromAnotherSiteAreRefusedAndOwnPageDecisionsWork() throws Exception {
		String model = urlPairingModel();
		String deviceId = newDeviceId();
		String code = startPairing(newKey("STATION"), deviceId, model, null).path("userCode").asString();

		// What a browser sends for a form on another site (or another port of localhost) posting here.
		for (String path : List.of("/sandbox/pair/decision", "/sandbox/user-codes/" + code + "/approve")) {
			HttpResponse<String> forged = send(HttpRequest.newBuilder(URI.create(url(path)))
				.header("Sec-Fetch-Site", path.contains("user-codes") ? "same-site" : "cross-site")
				.header("Content-Type", "application/x-www-form-urlencoded")
				.POST(HttpRequest.BodyPublishers.ofString("userCode=" + code + "&decision=approve")));
			assertThat(forged.statusCode()).as(path).isEqualTo(403);
			assertThat(forged.body()).contains("cross_site_request");
		}
		assertThat(this.simulator.userCodeOf(deviceId)).contains(code);

		// The sandbox's own page posts same-origin, and its decision takes.
		browser.get(url("/sandbox/pair/" + code));
		browser.findElement(By.id("approve")).click();
		assertThat(waitFor(By.id("decision")).getText()).isEqualTo("Approved");
		advanceAndPoll(Duration.ofSeconds(5));
		assertThat(admin().get("/api/v1/pairings?deviceId=" + deviceId).json().path("items").get(0).path("status")
			.asString()).isEqualTo("AUTHORIZED");
	}

	private java.util.List<String> audited(String action, String subjectId) {
		return this.jdbc.sql("select coalesce(detail, '') from audit_event where action = ? and subject_id = ? order by id")
			.params(action, subjectId)
			.query(String.class)
			.list();
	}

	private String urlPairingModel() {
		String model = "m-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		assertThat(admin().put("/api/v1/device-models/" + model, "{\"clientSecret\": \"secret-of-" + model
				+ "\", \"defaultClientVersion\": \"1.0.0\", \"urlPairing\": true}").status()).isEqualTo(201);
		return model;
	}

	/** Starts a pairing through the form; returns its id once its page shows the code. */
	private String startOnThePage(String deviceId, String model, String clientVersion) {
		browser.get(url("/console/pairings/new"));
		browser.findElement(By.id("deviceId")).sendKeys(deviceId);
		browser.findElement(By.id("model")).sendKeys(model);
		if (clientVersion != null) {
			browser.findElement(By.id("clientVersion")).sendKeys(clientVersion);
		}
		browser.findElement(By.cssSelector("main form button[type=submit]")).click();
		waitFor(By.id("user-code"));
		return browser.getCurrentUrl().substring(browser.getCurrentUrl().lastIndexOf('/') + 1);
	}

	private static int secondsOnTheCountdown() {
		String[] parts = browser.findElement(By.id("countdown")).getText().split(":");
		return Integer.parseInt(parts[0]) * 60 + Integer.parseInt(parts[1]);
	}

	private void signIn(String key) {
		browser.get(url("/console/sign-in"));
		browser.findElement(By.id("apiKey")).sendKeys(key);
		browser.findElement(By.cssSelector("main form button[type=submit]")).click();
		// Until the answer has landed: a navigation right after the click would cancel the sign-in.
		new WebDriverWait(browser, Duration.ofSeconds(10))
			.until((page) -> !page.getCurrentUrl().endsWith("/console/sign-in"));
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	private String sessionCookie() {
		return "C2C_CONSOLE=" + browser.manage().getCookieNamed("C2C_CONSOLE").getValue();
	}

	private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		return this.http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
	}

	private static org.openqa.selenium.WebElement waitFor(By element) {
		return new WebDriverWait(browser, Duration.ofSeconds(10))
			.until(ExpectedConditions.visibilityOfElementLocated(element));
	}

	private static String decodeQr() throws Exception {
		byte[] png = browser.findElement(By.cssSelector("#qr svg")).getScreenshotAs(OutputType.BYTES);
		BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
		BinaryBitmap bitmap = new BinaryBitmap(new HybridBinarizer(new BufferedImageLuminanceSource(image)));
		return new QRCodeReader().decode(bitmap, Map.of(DecodeHintType.TRY_HARDER, Boolean.TRUE)).getText();
	}

	private static void screenshot(String name) throws IOException {
		byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
		Files.write(SCREENSHOTS.resolve(name + ".png"), png);
	}

}
