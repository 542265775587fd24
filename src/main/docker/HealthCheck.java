import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The container image's health check: exits 0 when the liveness group answers 200, 1 otherwise.
 * Actuator answers on {@code MANAGEMENT_SERVER_PORT} when that is set (the Kubernetes manifests
 * set it, so health and metrics stay off the API port), else on {@code SERVER_PORT}, else 8080.
 * The JRE base image ships neither curl nor wget, and a JRE cannot launch a source file, so the
 * image build compiles this class and {@code HEALTHCHECK} runs it. Plain {@link HttpURLConnection}
 * keeps the probe JVM small and quick to start.
 */
public final class HealthCheck {

	private static final String PATH = "/actuator/health/liveness";

	private HealthCheck() {
	}

	public static void main(String[] args) {
		String port = firstSet(System.getenv("MANAGEMENT_SERVER_PORT"), System.getenv("SERVER_PORT"), "8080");
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

	private static String firstSet(String... values) {
		for (String value : values) {
			if (value != null && !value.isBlank()) {
				return value;
			}
		}
		throw new IllegalStateException("no default");
	}

}
