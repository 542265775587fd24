import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The container image's health check: exits 0 when the liveness group answers 200, 1 otherwise.
 * The JRE base image ships neither curl nor wget, and a JRE cannot launch a source file, so the
 * image build compiles this class and {@code HEALTHCHECK} runs it. Plain {@link HttpURLConnection}
 * keeps the probe JVM small and quick to start.
 */
public final class HealthCheck {

	private static final String PATH = "/actuator/health/liveness";

	private HealthCheck() {
	}

	public static void main(String[] args) {
		String port = System.getenv("SERVER_PORT");
		if (port == null || port.isBlank()) {
			port = "8080";
		}
		try {
			HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port.trim() + PATH)
				.toURL()
				.openConnection();
			connection.setConnectTimeout(2000);
			connection.setReadTimeout(3000);
			int status = connection.getResponseCode();
			connection.disconnect();
			if (status != 200) {
				System.err.println(PATH + " answered " + status);
				System.exit(1);
			}
		}
		catch (IOException | IllegalArgumentException ex) {
			System.err.println(PATH + " unreachable: " + ex);
			System.exit(1);
		}
	}

}
