package io.c2cgateway.ops;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/** deploy/monitoring against the Kubernetes base: the PodMonitor scrapes what the Deployment serves. */
class MonitoringManifestTests {

	@Test
	void kustomizationAppliesTheRuleAndThePodMonitorButNotThePromtoolTests() throws IOException {
		Map<String, Object> kustomization = yaml(MonitoringFiles.FOLDER.resolve("kustomization.yaml"));
		assertThat(list(kustomization.get("resources"))).containsExactlyInAnyOrder("prometheusrule.yaml",
				"podmonitor.yaml");
		assertThat(kustomization.toString()).contains("grafana-dashboard.json").doesNotContain("test.yaml");
	}

	/** Where kubectl is installed: the folder renders, the dashboard becomes a ConfigMap for Grafana's sidecar. */
	@Test
	void kustomizeRendersTheRuleThePodMonitorAndTheDashboardConfigMap() throws Exception {
		Path kubectl = onPath("kubectl");
		Assumptions.assumeTrue(kubectl != null, "kubectl is not installed");
		Path out = Files.createTempFile("monitoring", ".yaml");
		try {
			Process process = new ProcessBuilder(kubectl.toString(), "kustomize", MonitoringFiles.FOLDER.toString())
				.redirectErrorStream(true)
				.redirectOutput(out.toFile())
				.start();
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("kubectl kustomize finished").isTrue();
			String rendered = Files.readString(out);
			assertThat(process.exitValue()).as(rendered).isZero();
			List<String> kinds = new ArrayList<>();
			for (Object document : new Yaml().loadAll(rendered)) {
				Map<String, Object> object = map(document);
				kinds.add(object.get("kind") + "/" + map(object.get("metadata")).get("name"));
				if ("ConfigMap".equals(object.get("kind"))) {
					assertThat(map(map(object.get("metadata")).get("labels"))).containsEntry("grafana_dashboard", "1");
					assertThat(map(object.get("data"))).containsKey("c2c-gateway.json");
				}
			}
			assertThat(kinds).containsExactlyInAnyOrder("PrometheusRule/c2c-gateway", "PodMonitor/c2c-gateway",
					"ConfigMap/c2c-gateway-dashboard");
		}
		finally {
			Files.deleteIfExists(out);
		}
	}

	@Test
	void podMonitorSelectsTheGatewayPodsOnTheirNamedPortAndPrometheusPath() throws IOException {
		Map<String, Object> podMonitor = yaml(MonitoringFiles.FOLDER.resolve("podmonitor.yaml"));
		Map<String, Object> deployment = yaml(Path.of("deploy", "k8s", "deployment.yaml"));
		Map<String, Object> spec = map(podMonitor.get("spec"));
		Map<String, Object> podLabels = map(map(map(map(deployment.get("spec")).get("template")).get("metadata"))
			.get("labels"));
		assertThat(podLabels).containsAllEntriesOf(map(map(spec.get("selector")).get("matchLabels")));
		assertThat(podLabels).containsEntry(String.valueOf(spec.get("jobLabel")), "c2c-gateway");

		Map<String, Object> endpoint = map(list(spec.get("podMetricsEndpoints")).get(0));
		assertThat(endpoint).containsEntry("path", "/actuator/prometheus");
		List<Object> containers = list(map(map(map(deployment.get("spec")).get("template")).get("spec"))
			.get("containers"));
		List<Object> portNames = containers.stream()
			.flatMap((container) -> list(map(container).get("ports")).stream())
			.map((port) -> map(port).get("name"))
			.toList();
		assertThat(portNames).contains(endpoint.get("port"));
	}

	@Test
	void alertsSelectTheJobThePodMonitorNames() throws IOException {
		for (String expression : MonitoringFiles.ruleExpressions()) {
			if (expression.contains("job=")) {
				assertThat(expression).contains("job=\"c2c-gateway\"");
			}
		}
	}

	private static Path onPath(String command) {
		String path = System.getenv("PATH");
		for (String folder : (path != null) ? path.split(java.io.File.pathSeparator) : new String[0]) {
			Path candidate = Path.of(folder, command);
			if (Files.isExecutable(candidate)) {
				return candidate;
			}
		}
		return null;
	}

	private static Map<String, Object> yaml(Path file) throws IOException {
		try (Reader in = Files.newBufferedReader(file)) {
			return new Yaml().load(in);
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value) {
		return (Map<String, Object>) value;
	}

	@SuppressWarnings("unchecked")
	private static List<Object> list(Object value) {
		return (List<Object>) value;
	}

}
