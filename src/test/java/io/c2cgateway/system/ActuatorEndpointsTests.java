package io.c2cgateway.system;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.core.env.Environment;

import io.c2cgateway.support.Api;
import io.c2cgateway.support.IntegrationTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The contract's "Operations": probes, metrics and info without a key, nothing else of actuator
 * beside one deliberate addition, the SBOM (/actuator/sbom, see BuildInfoEndpointsTests).
 */
class ActuatorEndpointsTests extends IntegrationTest {

	@Autowired
	private HealthEndpointGroups groups;

	@Autowired
	private HealthContributorRegistry contributors;

	@Autowired
	private Environment environment;

	@Test
	void livenessAndReadinessAreUpWithoutAKey() {
		for (String probe : new String[] { "/actuator/health/liveness", "/actuator/health/readiness" }) {
			Api.Response response = this.api.get(probe);
			assertThat(response.status()).as(probe).isEqualTo(200);
			assertThat(response.json().path("status").asString()).as(probe).isEqualTo("UP");
		}
	}

	@Test
	void readinessIncludesTheDatabaseAndLivenessDoesNot() {
		assertThat(this.contributors.getContributor("db")).as("a database health indicator exists").isNotNull();
		assertThat(this.groups.get("readiness").isMember("db")).isTrue();
		assertThat(this.groups.get("liveness").isMember("db")).isFalse();
	}

	@Test
	void aDatabaseOutageTakesReadinessDownButNotLiveness() {
		HealthContributor database = this.contributors.unregisterContributor("db");
		try {
			this.contributors.registerContributor("db", (HealthIndicator) () -> Health.down().build());
			Api.Response readiness = this.api.get("/actuator/health/readiness");
			assertThat(readiness.status()).isEqualTo(503);
			assertThat(readiness.json().path("status").asString()).isEqualTo("DOWN");
			Api.Response liveness = this.api.get("/actuator/health/liveness");
			assertThat(liveness.status()).isEqualTo(200);
			assertThat(liveness.json().path("status").asString()).isEqualTo("UP");
		}
		finally {
			this.contributors.unregisterContributor("db");
			this.contributors.registerContributor("db", database);
		}
		assertThat(this.api.get("/actuator/health/readiness").status()).isEqualTo(200);
	}

	@Test
	void healthShowsOnlyItsStatusNoComponentsOrDetails() {
		for (String path : new String[] { "/actuator/health", "/actuator/health/liveness",
				"/actuator/health/readiness" }) {
			Api.Response response = this.api.get(path);
			assertThat(response.status()).as(path).isEqualTo(200);
			assertThat(response.json().has("components")).as(path).isFalse();
			assertThat(response.json().has("details")).as(path).isFalse();
			assertThat(response.body()).as(path).doesNotContainIgnoringCase("postgres").doesNotContain("jdbc");
		}
		assertThat(this.api.get("/actuator/health/db").status()).isEqualTo(404);
	}

	@Test
	void prometheusAnswersTextWithoutAKey() {
		Api.Response response = this.api.get("/actuator/prometheus");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.contentType()).startsWith("text/plain");
		assertThat(response.body()).contains("# TYPE ").contains("jvm_memory_used_bytes");
	}

	@Test
	void infoAnswersWithoutAKey() {
		Api.Response response = this.api.get("/actuator/info");
		assertThat(response.status()).isEqualTo(200);
		assertThat(response.json().isObject()).isTrue();
	}

	@Test
	void exposedEndpointsAreTheContractsThreeAndTheSbom() {
		assertThat(this.environment.getProperty("management.endpoints.web.exposure.include"))
			.isEqualTo("health,info,prometheus,sbom");
		assertThat(this.api.get("/actuator/sbom").status()).isEqualTo(200);
	}

	@Test
	void everyOtherActuatorPathIsNotFoundWithOrWithoutAKey() {
		for (String path : new String[] { "/actuator", "/actuator/env", "/actuator/beans", "/actuator/configprops",
				"/actuator/loggers", "/actuator/heapdump", "/actuator/threaddump", "/actuator/metrics",
				"/actuator/mappings", "/actuator/shutdown" }) {
			assertThat(this.api.get(path).status()).as(path).isEqualTo(404);
			assertThat(admin().get(path).status()).as(path + " with a key").isEqualTo(404);
		}
		assertThat(this.api.post("/actuator/shutdown", "{}").status()).isEqualTo(404);
	}

}
