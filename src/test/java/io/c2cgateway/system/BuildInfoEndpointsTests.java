package io.c2cgateway.system;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import java.util.Properties;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.info.EnvironmentInfoContributor;
import org.springframework.boot.actuate.info.Info;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What is running: /actuator/info names the build (and the commit, when built from git) and
 * /actuator/sbom serves the CycloneDX bill of materials the build put in the jar.
 */
class BuildInfoEndpointsTests extends IntegrationTest {

	@Test
	void infoNamesTheBuildVersionAndArtifact() {
		Api.Response response = this.api.get("/actuator/info");
		assertThat(response.status()).isEqualTo(200);
		JsonNode build = response.json().path("build");
		assertThat(build.path("version").asString()).as(response.body()).isNotBlank();
		assertThat(build.path("artifact").asString()).isEqualTo("c2c-gateway");
		assertThat(build.path("time").asString()).isNotBlank();
	}

	@Test
	void infoNamesTheGitCommitWhenBuiltFromGit() throws IOException {
		Properties git = classpathProperties("git.properties");
		Assumptions.assumeTrue(git != null, "built without a .git directory: no git.properties");
		Api.Response response = this.api.get("/actuator/info");
		String commit = response.json().path("git").path("commit").path("id").asString();
		assertThat(commit).as(response.body()).matches("[0-9a-f]{7,40}");
		assertThat(git.getProperty("git.commit.id")).startsWith(commit);
	}

	@Test
	void gitPropertiesCarryNoCommitterAddressRemoteUrlOrBuildHost() throws IOException {
		Properties git = classpathProperties("git.properties");
		Assumptions.assumeTrue(git != null, "built without a .git directory: no git.properties");
		assertThat(git.stringPropertyNames()).allMatch((name) -> !name.contains("email") && !name.contains("remote")
				&& !name.contains("build.host") && !name.contains("user"));
	}

	@Test
	void sbomServesTheApplicationsCycloneDxBillOfMaterialsWithoutAKey() throws IOException {
		boolean packaged = getClass().getResource("/META-INF/sbom/application.cdx.json") != null;
		if (!packaged) {
			// The CycloneDX plugin refuses to run in Maven's offline mode; CI builds online.
			assertThat(System.getenv("CI")).as("CI builds the SBOM").isNotEqualTo("true");
			Assumptions.abort("built offline: no META-INF/sbom/application.cdx.json");
		}
		Api.Response list = this.api.get("/actuator/sbom");
		assertThat(list.status()).isEqualTo(200);
		assertThat(list.json().path("ids").toString()).contains("application");

		Api.Response sbom = this.api.get("/actuator/sbom/application");
		assertThat(sbom.status()).isEqualTo(200);
		JsonNode bom = sbom.json();
		assertThat(bom.path("bomFormat").asString()).isEqualTo("CycloneDX");
		assertThat(bom.path("metadata").path("component").path("name").asString()).isEqualTo("c2c-gateway");
		assertThat(bom.path("components").toString()).contains("\"name\":\"spring-boot\"")
			.contains("\"name\":\"postgresql\"")
			.as("the QUIC natives are excluded from the jar")
			.doesNotContain("netty-codec-native-quic");
	}

	/** The image has no git.properties (.git is not in its build context): its Dockerfile passes these instead. */
	@Test
	void imageVersionAndRevisionFromTheDockerfilesEnvironmentAppearInInfo() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.replace(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, new SystemEnvironmentPropertySource(
					StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
					Map.of("INFO_IMAGE_VERSION", "0.1.0", "INFO_IMAGE_REVISION", "5c6b0ea4")));
		Info.Builder info = new Info.Builder();
		new EnvironmentInfoContributor(environment).contribute(info);
		assertThat(info.build().getDetails()).containsEntry("image",
				Map.of("version", "0.1.0", "revision", "5c6b0ea4"));
	}

	private static Properties classpathProperties(String name) throws IOException {
		try (InputStream in = BuildInfoEndpointsTests.class.getClassLoader().getResourceAsStream(name)) {
			if (in == null) {
				return null;
			}
			Properties properties = new Properties();
			properties.load(in);
			return properties;
		}
	}

}
