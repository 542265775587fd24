package io.c2cgateway.console;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;

import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * One headless Chromium for a browser test class, at the 1366x768 the console is made for, with
 * Debian's driver (never Selenium Manager: there may be no internet) and screenshots under
 * target/screenshots.
 */
final class ConsoleBrowser implements AutoCloseable {

	static final Path SCREENSHOTS = Path.of("target", "screenshots");

	private final Path profile;

	private final ChromeDriver driver;

	private final int port;

	private ConsoleBrowser(Path profile, ChromeDriver driver, int port) {
		this.profile = profile;
		this.driver = driver;
		this.port = port;
	}

	/** For a test class that builds its own URLs and only wants the driver. */
	static ConsoleBrowser start() throws IOException {
		return start(0);
	}

	static ConsoleBrowser start(int port) throws IOException {
		System.setProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
		Path profile = Files.createTempDirectory("console-browser");
		ChromeOptions options = new ChromeOptions().setBinary("/usr/bin/chromium")
			.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
					"--disable-background-networking", "--disable-component-update", "--disable-sync",
					"--no-first-run", "--window-size=1366,768", "--user-data-dir=" + profile);
		ChromeDriverService service = new ChromeDriverService.Builder()
			.usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
			.usingAnyFreePort()
			.build();
		ChromeDriver driver = new ChromeDriver(service, options);
		driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
		Files.createDirectories(SCREENSHOTS);
		return new ConsoleBrowser(profile, driver, port);
	}

	WebDriver driver() {
		return this.driver;
	}

	String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	void open(String path) {
		this.driver.get(url(path));
	}

	void signOutAll() {
		open("/console/sign-in");
		this.driver.manage().deleteAllCookies();
	}

	void signIn(String key) {
		open("/console/sign-in");
		this.driver.findElement(By.id("apiKey")).sendKeys(key);
		WebElement submit = this.driver.findElement(By.cssSelector("main form button[type=submit]"));
		submit.click();
		new WebDriverWait(this.driver, Duration.ofSeconds(10)).until(ExpectedConditions.stalenessOf(submit));
		waitFor(By.cssSelector("header .who"));
	}

	/**
	 * Clicks something that loads another page, and returns once the old page is gone and the new
	 * one has loaded: an element found while the new document was still loading could belong to a
	 * document Chrome then replaced ("Node with given id does not belong to the document").
	 */
	void clickAndLoad(WebElement element) {
		WebElement page = this.driver.findElement(By.tagName("html"));
		element.click();
		WebDriverWait wait = new WebDriverWait(this.driver, Duration.ofSeconds(10));
		wait.until(ExpectedConditions.stalenessOf(page));
		wait.until((driver) -> "complete"
			.equals(((org.openqa.selenium.JavascriptExecutor) driver).executeScript("return document.readyState")));
	}

	/** The session cookie, for plain HTTP requests made as the signed-in key. */
	String sessionCookie() {
		return "C2C_CONSOLE=" + this.driver.manage().getCookieNamed("C2C_CONSOLE").getValue();
	}

	WebElement waitFor(By element) {
		return new WebDriverWait(this.driver, Duration.ofSeconds(10))
			.until(ExpectedConditions.visibilityOfElementLocated(element));
	}

	WebElement find(By element) {
		return this.driver.findElement(element);
	}

	void screenshot(String name) throws IOException {
		Files.write(SCREENSHOTS.resolve(name + ".png"), this.driver.getScreenshotAs(OutputType.BYTES));
	}

	@Override
	public void close() throws IOException {
		this.driver.quit();
		try (var files = Files.walk(this.profile)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> file.toFile().delete());
		}
	}

}
