package io.c2cgateway.webhook;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.SecondReplica;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * SSRF: targets are judged at creation and again, by the address actually connected to, at every
 * delivery. Host names of this test resolve through a table of its own ({@code *.example}), so a
 * name can point at 127.0.0.1 or change its answer between the check and the delivery.
 */
class WebhookTargetRefusalTests {

	private static final TargetPolicy.Lookup NAMES = (host) -> switch (host) {
		case "public.example" -> new InetAddress[] { InetAddress.getByAddress(host, new byte[] { 93, (byte) 184, (byte) 216, 34 }) };
		case "rebind.example" -> new InetAddress[] { InetAddress.getByAddress(host, new byte[] { 127, 0, 0, 1 }) };
		case "mixed.example" -> new InetAddress[] {
				InetAddress.getByAddress(host, new byte[] { 93, (byte) 184, (byte) 216, 34 }),
				InetAddress.getByAddress(host, new byte[] { (byte) 192, (byte) 168, 0, 1 }) };
		case "missing.example" -> throw new UnknownHostException(host);
		default -> InetAddress.getAllByName(host);
	};

	private final TargetPolicy strict = new TargetPolicy(false, false, NAMES);

	@ParameterizedTest
	@ValueSource(strings = { "https://127.0.0.1/hook", "https://127.8.9.10/", "https://10.0.0.1/", "https://172.16.5.4/",
			"https://192.168.1.1/", "https://169.254.169.254/latest/meta-data", "https://100.64.0.1/", "https://0.0.0.0/",
			"https://224.0.0.1/", "https://[::1]/", "https://[fe80::1]/", "https://[fd12:3456::1]/",
			"https://[::ffff:127.0.0.1]/", "https://[::ffff:10.0.0.1]/", "https://[64:ff9b::a00:1]/", "https://localhost/",
			"https://localhost:8443/hook", "https://rebind.example/", "https://mixed.example/", "http://public.example/",
			"ftp://public.example/", "https://user:pw@public.example/", "https://missing.example/", "not a url",
			"/relative/only" })
	void refusedAtCreationByDefault(String url) {
		assertThat(this.strict.refusal(url)).as(url).isNotNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "https://public.example/hook", "https://93.184.216.34/x?token=abc", "https://[2606:4700::1]/" })
	void publicHttpsTargetsAreAccepted(String url) {
		assertThat(this.strict.refusal(url)).as(url).isNull();
	}

	@Test
	void theTwoSettingsAllowHttpAndPrivateTargets() {
		TargetPolicy open = new TargetPolicy(true, true, NAMES);
		assertThat(open.refusal("http://127.0.0.1:8080/sandbox/webhooks")).isNull();
		assertThat(open.refusal("http://rebind.example/")).isNull();
		assertThat(new TargetPolicy(true, false, NAMES).refusal("http://127.0.0.1/")).isNotNull();
		assertThat(new TargetPolicy(false, true, NAMES).refusal("http://127.0.0.1/")).isNotNull();
	}

	@Test
	void deliveryToANameThatResolvesToLoopbackIsRefusedWithoutConnecting() throws Exception {
		try (Receiver receiver = Receiver.start()) {
			WebhookSender refusing = sender(new TargetPolicy(true, false, NAMES));
			String byName = "http://rebind.example:" + receiver.port() + "/hook";
			assertThatThrownBy(() -> refusing.send(byName, "msg", 1, "v1,x", "{}").block())
				.hasRootCauseInstanceOf(WebhookSender.RefusedAddressException.class);
			assertThatThrownBy(() -> refusing.send(receiver.url(), "msg", 1, "v1,x", "{}").block())
				.as("an address literal")
				.hasRootCauseInstanceOf(WebhookSender.RefusedAddressException.class);
			assertThat(receiver.received()).isEmpty();
			assertThat(WebhookSender.describe(new RuntimeException(new WebhookSender.RefusedAddressException())))
				.startsWith("refused_address");

			// The same name where private targets are allowed: connects to the address the policy resolved.
			WebhookSender allowing = sender(new TargetPolicy(true, true, NAMES));
			assertThat(allowing.send(byName, "msg", 1, "v1,x", "{}").block()).isEqualTo(204);
			assertThat(receiver.received()).hasSize(1);
		}
	}

	@Test
	void aNameRepointedAtLoopbackAfterTheCheckGetsNothing() throws Exception {
		AtomicInteger lookups = new AtomicInteger();
		TargetPolicy.Lookup rebinding = (host) -> new InetAddress[] { InetAddress.getByAddress(host,
				(lookups.getAndIncrement() == 0) ? new byte[] { 93, (byte) 184, (byte) 216, 34 } : new byte[] { 127, 0, 0, 1 }) };
		TargetPolicy policy = new TargetPolicy(true, false, rebinding);
		try (Receiver receiver = Receiver.start()) {
			String url = "http://rebinding.example:" + receiver.port() + "/hook";
			assertThat(policy.refusal(url)).as("public when created").isNull();
			assertThatThrownBy(() -> sender(policy).send(url, "msg", 1, "v1,x", "{}").block())
				.hasRootCauseInstanceOf(WebhookSender.RefusedAddressException.class);
			assertThat(receiver.received()).isEmpty();
		}
	}

	@Test
	void theApiRefusesInternalTargetsWith400OnUrlAndStoresNothing() {
		try (SecondReplica strictReplica = SecondReplica.start("webhook-ssrf",
				Map.of("gateway.webhooks.allow-http", "false", "gateway.webhooks.allow-private", "false"))) {
			Api admin = Api.at(strictReplica.port()).asAdmin();
			int before = admin.get("/api/v1/webhooks").json().path("items").size();
			for (String url : new String[] { "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/",
					"https://[::1]/", "https://169.254.169.254/", "http://93.184.216.34/" }) {
				Api.Response response = admin.post("/api/v1/webhooks",
						"{\"url\": \"" + url + "\", \"events\": [\"pairing.authorized\"]}");
				assertThat(response.status()).as(url).isEqualTo(400);
				assertThat(response.code()).isEqualTo("validation_failed");
				JsonNode errors = response.json().path("errors");
				assertThat(errors.get(0).path("field").asString()).isEqualTo("url");
			}
			Api.Response badEvent = admin.post("/api/v1/webhooks",
					"{\"url\": \"https://93.184.216.34/\", \"events\": [\"pairing.nope\"]}");
			assertThat(badEvent.status()).isEqualTo(400);
			assertThat(badEvent.json().path("errors").get(0).path("field").asString()).isEqualTo("events");
			assertThat(admin.get("/api/v1/webhooks").json().path("items").size()).isEqualTo(before);
		}
	}

	private static WebhookSender sender(TargetPolicy policy) {
		return new WebhookSender(policy, new WebhookProperties(true, true, false, Duration.ofMillis(500),
				Duration.ofSeconds(2), Duration.ofSeconds(1), 8, 10, Duration.ofSeconds(5), Duration.ofHours(1),
				Duration.ofHours(24), Duration.ofHours(24), Duration.ofDays(30)));
	}

}
