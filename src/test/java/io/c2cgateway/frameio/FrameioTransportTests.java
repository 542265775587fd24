package io.c2cgateway.frameio;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import io.netty.handler.codec.quic.Quic;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP stack under the Frame.io client without Netty's QUIC natives (excluded from the build
 * to keep the image lean): TLS still works, and HTTP/3 is simply unavailable. Reactor Netty asks
 * whether QUIC is available when it sets up TLS, which is why the QUIC classes stay.
 */
class FrameioTransportTests {

	private static final char[] PASSWORD = "changeit".toCharArray();

	@TempDir
	Path work;

	@Test
	void quicNativesAreNotOnTheClasspathSoHttp3IsUnavailable() {
		assertThat(Quic.isAvailable()).as("netty-codec-native-quic must stay excluded").isFalse();
		assertThat(Quic.unavailabilityCause()).isNotNull();
	}

	@Test
	void httpsCallWithoutQuicNativesCompletesTheTlsHandshakeAndReadsTheAnswer() throws Exception {
		KeyStore keys = selfSignedKeyStore();
		KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
		keyManagers.init(keys, PASSWORD);
		SSLContext serverTls = SSLContext.getInstance("TLS");
		serverTls.init(keyManagers.getKeyManagers(), null, null);
		X509Certificate certificate = (X509Certificate) keys.getCertificate("server");

		try (MockWebServer server = new MockWebServer()) {
			server.useHttps(serverTls.getSocketFactory());
			server.enqueue(new MockResponse.Builder().code(200).body("{\"ok\":true}").build());
			server.start();
			HttpClient client = HttpClient.create()
				.secure((tls) -> tls.sslContext(Http11SslContextSpec.forClient()
					.configure((builder) -> builder.trustManager(certificate))))
				.responseTimeout(Duration.ofSeconds(5));
			String body = client.get()
				.uri("https://localhost:" + server.getPort() + "/v2/me")
				.responseContent()
				.aggregate()
				.asString()
				.block(Duration.ofSeconds(10));
			assertThat(body).isEqualTo("{\"ok\":true}");
			assertThat(server.takeRequest(5, TimeUnit.SECONDS)).isNotNull();
		}
	}

	/** A key pair and self-signed certificate for localhost, made by the JDK's keytool. */
	private KeyStore selfSignedKeyStore() throws IOException, InterruptedException, java.security.GeneralSecurityException {
		Path store = this.work.resolve("server.p12");
		Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
		Process process = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "server", "-keyalg", "EC",
				"-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
				"-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass",
				new String(PASSWORD))
			.redirectErrorStream(true)
			.redirectOutput(this.work.resolve("keytool.log").toFile())
			.start();
		assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
		assertThat(process.exitValue()).as(Files.readString(this.work.resolve("keytool.log"))).isZero();
		KeyStore keys = KeyStore.getInstance("PKCS12");
		try (InputStream in = Files.newInputStream(store)) {
			keys.load(in, PASSWORD);
		}
		return keys;
	}

}
