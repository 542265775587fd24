package io.c2cgateway.crypto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The crypto keys and the bootstrap key read from a directory of files, as a Kubernetes Secret
 * mounted as a volume lays them out, through the import in application.yml.
 */
class SecretsFromFilesTests {

	private static final String KEYS = "k9:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,k8:H+7d3Nva2djX1tXU09LR0M/OzczLysnIx8bFxMPCwcA=";

	private static final String BOOTSTRAP = "bootstrap-from-a-file-0123456789abcdef";

	@Test
	void cryptoKeysAndTheBootstrapKeyAreReadFromAMountedSecretVolume(@TempDir Path dir) throws IOException {
		// Kubernetes' layout: each key a symlink into a timestamped directory behind "..data", values
		// with the trailing newline most tools write.
		Path version = Files.createDirectory(dir.resolve("..2026_12_06_06_00_00.000000001"));
		Files.writeString(version.resolve("gateway.crypto.keys"), KEYS + "\n");
		Files.writeString(version.resolve("gateway.security.bootstrap-admin-key"), BOOTSTRAP + "\n");
		Files.createSymbolicLink(dir.resolve("..data"), version.getFileName());
		for (String name : new String[] { "gateway.crypto.keys", "gateway.security.bootstrap-admin-key" }) {
			Files.createSymbolicLink(dir.resolve(name), Path.of("..data", name));
		}

		try (ConfigurableApplicationContext context = start("--GATEWAY_SECRETS_DIR=" + dir + "/")) {
			CryptoProperties crypto = Binder.get(context.getEnvironment()).bind("gateway.crypto", CryptoProperties.class).get();
			SecretBox box = new SecretBox(crypto);
			assertThat(box.seal(Secret.of("s"), "t", "c", "r")).startsWith("v1.k9.");
			assertThat(box.keyIds()).containsExactlyInAnyOrder("k9", "k8");
			assertThat(context.getEnvironment().getProperty("gateway.security.bootstrap-admin-key")).isEqualTo(BOOTSTRAP);
		}
	}

	@Test
	void settingsGivenOtherwiseWinOverFiles(@TempDir Path dir) throws IOException {
		Files.writeString(dir.resolve("gateway.security.bootstrap-admin-key"), BOOTSTRAP);

		try (ConfigurableApplicationContext context = start("--GATEWAY_SECRETS_DIR=" + dir + "/",
				"--gateway.security.bootstrap-admin-key=given-as-a-setting-0123456789abcdef")) {
			assertThat(context.getEnvironment().getProperty("gateway.security.bootstrap-admin-key"))
				.isEqualTo("given-as-a-setting-0123456789abcdef");
		}
	}

	@Test
	void withoutTheDirectoryNothingIsReadAndNothingFails(@TempDir Path dir) {
		try (ConfigurableApplicationContext context = start("--GATEWAY_SECRETS_DIR=" + dir.resolve("absent") + "/")) {
			assertThat(context.getEnvironment().getProperty("gateway.crypto.keys")).isEmpty();
		}
	}

	private static ConfigurableApplicationContext start(String... args) {
		return new SpringApplicationBuilder(NothingElse.class).web(WebApplicationType.NONE)
			.bannerMode(Banner.Mode.OFF)
			.logStartupInfo(false)
			.run(args);
	}

	/** Only the configuration files are under test; no bean of the gateway is needed. */
	@Configuration(proxyBeanMethods = false)
	static class NothingElse {

	}

}
