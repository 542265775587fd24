package io.c2cgateway.console;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import io.c2cgateway.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Batch mode of the station page in a real, headless Chromium: a pasted CSV list started as one
 * batch and followed live in one table. Pages are saved under target/screenshots.
 */
class StationBatchBrowserTests extends IntegrationTest {

	private static final Path SCREENSHOTS = Path.of("target", "screenshots");

	private static ConsoleBrowser console;

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
		browser.manage().window().setSize(new Dimension(1366, 768));
		browser.get(url("/console/sign-in"));
		browser.manage().deleteAllCookies();
	}

	@Test
	void batchFromPastedCsvReachesAuthorizedRowsAfterSandboxApprovalsWithTheProgressBarFull() throws Exception {
		String model = newModel();
		String otherModel = newModel();
		List<String> devices = List.of(newDeviceId(), newDeviceId(), newDeviceId());
		signIn(newKey("STATION"));

		browser.get(url("/console/batches/new"));
		// A header in another order, one line with its own model and version, two relying on the fields.
		paste("device_id,model,clientVersion\n" + devices.get(0) + "\n" + devices.get(1) + "," + otherModel
				+ ",2.1.0\n\n# a comment\n" + devices.get(2) + "\n");
		browser.findElement(By.id("model")).sendKeys(model);
		screenshot("batch-new");
		browser.findElement(By.id("start-batch")).click();

		waitFor(By.id("batch-table"));
		assertThat(statuses()).containsExactly("PENDING", "PENDING", "PENDING");
		assertThat(percent()).isZero();
		List<WebElement> lines = browser.findElements(By.cssSelector("#batch-table tbody tr td:first-child"));
		assertThat(lines).extracting(WebElement::getText).containsExactly("2", "3", "6");
		screenshot("batch-pending");
		for (String device : devices) {
			var pairing = admin().get("/api/v1/pairings?deviceId=" + device).json().path("items").get(0);
			assertThat(pairing.path("status").asString()).isEqualTo("PENDING");
			assertThat(pairing.path("model").asString()).isEqualTo(device.equals(devices.get(1)) ? otherModel : model);
			assertThat(browser.findElement(By.cssSelector("tr[data-device-id='" + device + "'] .code-cell")).getText())
				.isEqualTo(pairing.path("userCode").asString());
			assertThat(this.api.post("/sandbox/user-codes/" + pairing.path("userCode").asString() + "/approve", "")
				.status()).isEqualTo(200);
			if (device.equals(devices.get(0))) {
				// One outcome first: the table and the bar move while the rest still wait.
				advanceAndPoll(Duration.ofSeconds(5));
				new WebDriverWait(browser, Duration.ofSeconds(10)).until((page) -> percent() == 33);
				assertThat(statuses()).containsExactly("AUTHORIZED", "PENDING", "PENDING");
				screenshot("batch-progress");
			}
		}
		advanceAndPoll(Duration.ofSeconds(5));

		// No reload: the page's own polling brings every outcome.
		new WebDriverWait(browser, Duration.ofSeconds(15)).until((page) -> percent() == 100);
		assertThat(statuses()).containsExactly("AUTHORIZED", "AUTHORIZED", "AUTHORIZED");
		assertThat(browser.findElement(By.id("progress-label")).getText()).isEqualTo("3 of 3 finished, 3 paired");
		assertThat(browser.findElement(By.id("announce")).getText()).isEqualTo("3 of 3 finished, 3 paired");
		screenshot("batch-done");
	}

	@Test
	void batchWithBadLinesNamesEachLineAndStartsNothing() throws Exception {
		String model = newModel();
		String good = newDeviceId();
		String duplicate = newDeviceId();
		signIn(newKey("STATION"));

		browser.get(url("/console/batches/new"));
		String csv = good + "\nnot a device id!\n" + duplicate + "\n" + duplicate + "\n" + newDeviceId()
				+ ",no-such-model\n" + newDeviceId() + "," + model + ",v2\n" + newDeviceId() + "," + model + ",1.0.0,extra\n";
		paste(csv);
		browser.findElement(By.id("model")).sendKeys(model);
		browser.findElement(By.id("start-batch")).click();

		WebElement problem = waitFor(By.id("batch-problem"));
		assertThat(problem.getAttribute("role")).isEqualTo("alert");
		assertThat(problem.findElement(By.cssSelector("p.problem")).getText())
			.isEqualTo("5 lines need fixing; nothing was started.");
		List<String> errors = browser.findElements(By.cssSelector("#line-errors tbody tr"))
			.stream()
			.map((row) -> row.getDomAttribute("data-line") + ": " + row.findElements(By.tagName("td")).get(2).getText())
			.toList();
		assertThat(errors).containsExactly(
				"2: The device id may hold letters, digits and . _ : - (up to 128, starting with a letter or digit).",
				"4: The device is already on line 3.", "5: There is no device model named 'no-such-model'.",
				"6: The client version must be a semantic version such as 2.1.0.",
				"7: The line has 4 columns; at most 3 (device id, model, client version).");
		// The list comes back as sent, to be fixed rather than typed again.
		assertThat(browser.findElement(By.id("csv")).getDomProperty("value")).isEqualTo(csv);
		assertThat(browser.findElement(By.id("csv")).getDomAttribute("aria-invalid")).isEqualTo("true");
		screenshot("batch-errors");
		for (String device : List.of(good, duplicate)) {
			assertThat(admin().get("/api/v1/pairings?deviceId=" + device).json().path("items").size()).isZero();
		}

		HttpResponse<String> forged = send(HttpRequest.newBuilder(URI.create(url("/console/batches")))
			.header("Cookie", "C2C_CONSOLE=" + browser.manage().getCookieNamed("C2C_CONSOLE").getValue())
			.header("Content-Type", "application/x-www-form-urlencoded")
			.POST(HttpRequest.BodyPublishers.ofString("csv=" + good + "&model=" + model)));
		assertThat(forged.statusCode()).isEqualTo(403);
		assertThat(admin().get("/api/v1/pairings?deviceId=" + good).json().path("items").size()).isZero();
	}

	@Test
	void lineRefusedWhenStartingShowsNotStartedWithTheReasonWhileTheOthersGoAhead() throws Exception {
		String model = newModel();
		String taken = newDeviceId();
		String free = newDeviceId();
		startPairing(newKey("STATION"), taken, model, null);
		signIn(newKey("STATION"));

		browser.get(url("/console/batches/new"));
		paste(taken + "\n" + free + "\n");
		browser.findElement(By.id("model")).sendKeys(model);
		browser.findElement(By.id("start-batch")).click();

		waitFor(By.id("batch-table"));
		assertThat(statuses()).containsExactly("NOT_STARTED", "PENDING");
		assertThat(browser.findElement(By.cssSelector("tr[data-device-id='" + taken + "'] td:last-child")).getText())
			.startsWith("Not started: ");
		assertThat(browser.findElement(By.id("progress-label")).getText())
			.isEqualTo("0 of 1 finished, 0 paired, 1 not started");
		assertThat(admin().get("/api/v1/pairings?deviceId=" + free).json().path("items").size()).isEqualTo(1);
	}

	@Test
	void batchFromALoadedFileWorksOnATabletWidth() throws Exception {
		String model = newModel();
		signIn(newKey("STATION"));
		browser.manage().window().setSize(new Dimension(820, 1180));
		browser.get(url("/console/batches/new"));
		// A file loaded from the tablet fills the list, to be checked before starting.
		String list = newDeviceId() + "," + model + "\n" + newDeviceId() + "," + model + "\n";
		Path file = Files.createTempFile("devices", ".csv");
		try {
			Files.writeString(file, list);
			browser.findElement(By.id("csv-file")).sendKeys(file.toAbsolutePath().toString());
			new WebDriverWait(browser, Duration.ofSeconds(10))
				.until((page) -> !page.findElement(By.id("csv")).getDomProperty("value").isEmpty());
			assertThat(browser.findElement(By.id("csv")).getDomProperty("value")).isEqualTo(list);
		}
		finally {
			Files.deleteIfExists(file);
		}
		browser.findElement(By.id("start-batch")).click();
		waitFor(By.id("batch-table"));
		assertThat(statuses()).containsExactly("PENDING", "PENDING");
		// Nothing wider than the window: no sideways scrolling of the page itself.
		Long scrollWidth = (Long) ((ChromeDriver) browser).executeScript("return document.documentElement.scrollWidth");
		Long clientWidth = (Long) ((ChromeDriver) browser).executeScript("return document.documentElement.clientWidth");
		assertThat(scrollWidth).isLessThanOrEqualTo(clientWidth);
		screenshot("batch-tablet");
	}

	@Test
	void batchIsOpenToItsKeyInANewSessionAndNotFoundForAnotherStation() throws Exception {
		String model = newModel();
		String station = newKey("STATION");
		signIn(station);
		browser.get(url("/console/batches/new"));
		paste(newDeviceId() + "," + model + "\n");
		browser.findElement(By.id("start-batch")).click();
		waitFor(By.id("batch-table"));
		String batchUrl = browser.getCurrentUrl();

		browser.manage().deleteAllCookies();
		signIn(station);
		browser.get(batchUrl);
		assertThat(statuses()).containsExactly("PENDING");

		browser.manage().deleteAllCookies();
		signIn(newKey("STATION"));
		browser.get(batchUrl);
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Not found");
		HttpResponse<String> panel = send(HttpRequest.newBuilder(URI.create(batchUrl + "/panel"))
			.header("Cookie", "C2C_CONSOLE=" + browser.manage().getCookieNamed("C2C_CONSOLE").getValue()));
		assertThat(panel.statusCode()).isEqualTo(404);
		browser.get(url("/console/batches/not-a-batch"));
		assertThat(browser.findElement(By.tagName("h1")).getText()).isEqualTo("Not found");
	}

	private static void paste(String text) {
		// As a paste lands: the whole text at once (typing it would go through the same field).
		((ChromeDriver) browser).executeScript("document.getElementById('csv').value = arguments[0];", text);
	}

	// Read in one script: the table may be swapped for a newer one between two WebDriver calls.
	@SuppressWarnings("unchecked")
	private static List<String> statuses() {
		return (List<String>) ((ChromeDriver) browser).executeScript(
				"return Array.from(document.querySelectorAll('#batch-table tbody tr')).map((row) => row.dataset.status);");
	}

	private static int percent() {
		return Integer.parseInt((String) ((ChromeDriver) browser)
			.executeScript("return document.getElementById('progress').dataset.percent;"));
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

	private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
		return this.http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
	}

	private static WebElement waitFor(By element) {
		return new WebDriverWait(browser, Duration.ofSeconds(10))
			.until(ExpectedConditions.visibilityOfElementLocated(element));
	}

	private static void screenshot(String name) throws IOException {
		byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
		Files.write(SCREENSHOTS.resolve(name + ".png"), png);
	}

}
