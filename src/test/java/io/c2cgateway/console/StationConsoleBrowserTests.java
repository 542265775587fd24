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
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

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

	private static Path profile;

	private static WebDriver browser;

	private final HttpClient http = HttpClient.newBuilder()
		.followRedirects(HttpClient.Redirect.NEVER)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	@BeforeAll
	static void startBrowser() throws IOException {
		// Debian's driver and browser, never Selenium Manager: this machine has no internet.
		System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
		profile = Files.createTempDirectory("console-browser");
		ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium")
			.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
					"--disable-background-networking", "--disable-component-update", "--disable-sync",
					"--no-first-run", "--window-size=1366,768", "--user-data-dir=" + profile);
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
			.usingAnyFreePort()
			.build();
		browser = new ChromeDriver(service, options);
		browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
		Files.createDirectories(SCREENSHOTS);
	}

	@AfterAll
	static void stopBrowser() throws IOException {
		if (browser != null) {
			browser.quit();
		}
		if (profile != null) {
			try (var files = Files.walk(profile)) {
				files.sorted(java.util.Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
			}
		}
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

	private void signIn(String key) {
		browser.get(url("/console/sign-in"));
		browser.findElement(By.id("apiKey")).sendKeys(key);
		org.openqa.selenium.WebElement submit = browser.findElement(By.cssSelector("main form button[type=submit]"));
		submit.click();
		// Until the sign-in page is gone, a lookup can find its elements and see them go stale.
		new WebDriverWait(browser, Duration.ofSeconds(10)).until(ExpectedConditions.stalenessOf(submit));
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
