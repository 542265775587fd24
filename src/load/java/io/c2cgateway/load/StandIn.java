package io.c2cgateway.load;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;

/**
 * Frame.io for a load run at a fleet's rate, on its own port and threads, answering at once: a new
 * device code for every device-code request, {@code authorization_pending} for every token poll.
 * Nobody approves its codes; it stands in for the upstream of {@code POST /pairings}, nothing else.
 */
final class StandIn {

	private static final SecureRandom RANDOM = new SecureRandom();

	private StandIn() {
	}

	/** Starts it and returns its base URL. */
	static String start() {
		MockWebServer server = new MockWebServer();
		server.setDispatcher(new Dispatcher() {

			@Override
			public MockResponse dispatch(RecordedRequest request) {
				String path = request.getUrl().encodedPath();
				if (path.equals("/v2/auth/device/code")) {
					byte[] deviceCode = new byte[24];
					RANDOM.nextBytes(deviceCode);
					return json(200, "{\"device_code\": \"" + Base64.getUrlEncoder().withoutPadding().encodeToString(deviceCode)
							+ "\", \"user_code\": \"" + String.format("%06d", ThreadLocalRandom.current().nextInt(1_000_000))
							+ "\", \"verification_uri\": \"https://stand-in.invalid/pair\", \"expires_in\": 120, \"interval\": 5}");
				}
				if (path.equals("/v2/auth/token")) {
					return json(400, "{\"error\": \"authorization_pending\"}");
				}
				return json(404, "{\"error\": \"not_found\"}");
			}

		});
		try {
			server.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("The Frame.io stand-in did not start", ex);
		}
		Runtime.getRuntime().addShutdownHook(new Thread(server::close));
		String url = server.url("/").toString();
		return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
	}

	private static MockResponse json(int status, String body) {
		return new MockResponse.Builder().code(status).addHeader("Content-Type", "application/json").body(body).build();
	}

}
