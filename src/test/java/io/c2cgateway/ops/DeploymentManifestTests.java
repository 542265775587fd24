package io.c2cgateway.ops;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.convert.DurationStyle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The deployment descriptors (Kubernetes base, Compose file, Dockerfile) checked against each
 * other and against the application's own configuration, so that a probe path, a port, a user id
 * or a shutdown timeout cannot drift apart unnoticed. Plain files, no Spring context.
 */
class DeploymentManifestTests {

	private static final Path K8S = Path.of("deploy", "k8s");

	private static final Path COMPOSE = Path.of("docker-compose.yml");

	private static final Path DOCKERFILE = Path.of("Dockerfile");

	private static final Path HEALTH_CHECK = Path.of("src", "main", "docker", "HealthCheck.java");

	private static final Path APPLICATION_YAML = Path.of("src", "main", "resources", "application.yml");

	private static final Set<String> SECRET_VARIABLES = Set.of("SPRING_DATASOURCE_USERNAME",
			"SPRING_DATASOURCE_PASSWORD", "GATEWAY_CRYPTO_KEYS", "GATEWAY_SECURITY_BOOTSTRAP_ADMIN_KEY");

	private static final Set<String> CONFIG_MAP_VARIABLES = Set.of("SPRING_DATASOURCE_URL", "GATEWAY_FRAMEIO_BASE_URL",
			"GATEWAY_FRAMEIO_TIMEOUT", "GATEWAY_POLLING_LEASE_TTL", "GATEWAY_TOKENS_MIN_VALIDITY",
			"GATEWAY_TOKENS_KEEP_ALIVE_AFTER");

	/** The contract's promise: after SIGTERM the process exits within 30 s. */
	private static final Duration CONTRACT_SHUTDOWN_BOUND = Duration.ofSeconds(30);

	private static final String LIVENESS = "/actuator/health/liveness";

	private static final String READINESS = "/actuator/health/readiness";

	/** The container port actuator answers on ({@code MANAGEMENT_SERVER_PORT}). */
	private static final String MANAGEMENT = "management";

	/** The ingress controller's namespace in the example NetworkPolicy. */
	private static final String INGRESS_CONTROLLER_NAMESPACE = "ingress-nginx";

	/** Addresses Frame.io is never at: the egress rule on 443 must leave them out. */
	private static final Set<String> PRIVATE_RANGES = Set.of("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16");

	@Test
	void everyManifestDocumentDeclaresApiVersionAndKind() throws IOException {
		List<Path> files = k8sFiles();
		assertThat(files).isNotEmpty();
		for (Path file : files) {
			List<Map<String, Object>> documents = documents(file);
			assertThat(documents).as(file.toString()).isNotEmpty();
			for (Map<String, Object> document : documents) {
				assertThat(document).as(file.toString()).containsKeys("apiVersion", "kind");
				assertThat(string(document.get("apiVersion"))).as(file.toString()).isNotBlank();
				assertThat(string(document.get("kind"))).as(file.toString()).isNotBlank();
			}
		}
	}

	@Test
	void kustomizationAppliesExistingManifestsButNeverTheExampleSecret() throws IOException {
		List<String> resources = kustomizationResources();
		assertThat(resources).isNotEmpty().doesNotContain("secret.example.yaml");
		for (String resource : resources) {
			Path file = K8S.resolve(resource);
			assertThat(file).as(resource).isRegularFile();
			assertThat(documents(file)).extracting(document -> document.get("kind")).doesNotContain("Secret");
		}
		assertThat(K8S.resolve("secret.example.yaml")).isRegularFile();
	}

	@Test
	void deploymentProbesUseTheActuatorHealthGroups() throws IOException {
		Map<String, Object> container = gatewayContainer();
		assertThat(probe(container, "livenessProbe")).containsEntry("path", LIVENESS)
			.containsEntry("port", MANAGEMENT);
		assertThat(probe(container, "readinessProbe")).containsEntry("path", READINESS)
			.containsEntry("port", MANAGEMENT);
		assertThat(probe(container, "startupProbe")).containsEntry("path", LIVENESS).containsEntry("port", MANAGEMENT);
	}

	@Test
	void applicationExposesTheHealthGroupsTheProbesCallAndNothingMore() throws IOException {
		Map<String, Object> management = map(applicationYaml().get("management"));
		assertThat(at(management, "endpoint", "health", "probes", "enabled")).isEqualTo(Boolean.TRUE);
		// The contract's three, and the SBOM as a deliberate addition.
		assertThat(commaSeparated(at(management, "endpoints", "web", "exposure", "include")))
			.containsExactlyInAnyOrder("health", "info", "prometheus", "sbom");
		// Liveness must not depend on the database, readiness must.
		assertThat(commaSeparated(at(management, "endpoint", "health", "group", "liveness", "include")))
			.doesNotContain("db");
		assertThat(commaSeparated(at(management, "endpoint", "health", "group", "readiness", "include")))
			.contains("db");
	}

	@Test
	void containerPortMatchesTheServiceTargetPortAndTheServerPortDefault() throws IOException {
		int serverPort = defaultServerPort();
		assertThat(serverPort).isEqualTo(8080);

		Map<String, Object> http = httpPort(gatewayContainer());
		assertThat(http.get("containerPort")).isEqualTo(serverPort);

		Map<String, Object> servicePort = map(list(at(k8sResource("Service"), "spec", "ports")).get(0));
		Object targetPort = servicePort.get("targetPort");
		assertThat(targetPort).isIn(http.get("name"), http.get("containerPort"));
		assertThat(servicePort.get("port")).isEqualTo(80);

	}

	@Test
	void terminationGracePeriodOutlastsPreStopPlusGracefulShutdown() throws IOException {
		Map<String, Object> application = applicationYaml();
		assertThat(at(application, "server", "shutdown")).isEqualTo("graceful");
		Duration perPhase = DurationStyle
			.detectAndParse(string(at(application, "spring", "lifecycle", "timeout-per-shutdown-phase")));

		Duration preStop = preStopSleep(gatewayContainer());
		Duration grace = Duration.ofSeconds(number(at(podSpec(), "terminationGracePeriodSeconds")));

		assertThat(preStop).isPositive();
		assertThat(grace).as("terminationGracePeriodSeconds vs preStop + timeout-per-shutdown-phase")
			.isGreaterThan(preStop.plus(perPhase));
		assertThat(grace).as("terminationGracePeriodSeconds vs preStop + the contract's shutdown bound")
			.isGreaterThan(preStop.plus(CONTRACT_SHUTDOWN_BOUND));

		Duration budget = DurationStyle.detectAndParse(string(at(application, "gateway", "shutdown", "budget")));
		assertThat(budget).as("gateway.shutdown.budget vs the contract's shutdown bound, with margin for the JVM")
			.isLessThan(CONTRACT_SHUTDOWN_BOUND);
		assertThat(perPhase).as("the drain phase is waited for until the budget less 5 s")
			.isGreaterThanOrEqualTo(budget.minusSeconds(5));
	}

	@Test
	void containerRunsAsNonRootOnAReadOnlyRootFilesystemWithAWritableTmp() throws IOException {
		Map<String, Object> pod = podSpec();
		Map<String, Object> container = gatewayContainer();
		Map<String, Object> podSecurity = map(pod.get("securityContext"));
		Map<String, Object> containerSecurity = map(container.get("securityContext"));

		assertThat(podSecurity).containsEntry("runAsNonRoot", true).containsEntry("runAsUser", 10001);
		assertThat(at(podSecurity, "seccompProfile", "type")).isEqualTo("RuntimeDefault");
		assertThat(containerSecurity).containsEntry("readOnlyRootFilesystem", true)
			.containsEntry("allowPrivilegeEscalation", false)
			.containsEntry("runAsNonRoot", true);
		assertThat(list(at(containerSecurity, "capabilities", "drop"))).containsExactly("ALL");

		String tmpVolume = list(container.get("volumeMounts")).stream()
			.map(DeploymentManifestTests::map)
			.filter(mount -> "/tmp".equals(mount.get("mountPath")))
			.filter(mount -> !Boolean.TRUE.equals(mount.get("readOnly")))
			.map(mount -> string(mount.get("name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no writable volume mounted at /tmp"));
		assertThat(list(pod.get("volumes"))).map(DeploymentManifestTests::map)
			.filteredOn(volume -> tmpVolume.equals(volume.get("name")))
			.singleElement()
			.satisfies(volume -> assertThat(volume).containsKey("emptyDir"));
	}

	@Test
	void secretsComeFromSecretKeyRefsAndNeverFromInlineValues() throws IOException {
		Map<String, Map<String, Object>> env = environment(gatewayContainer());
		Map<String, Object> exampleSecret = documents(K8S.resolve("secret.example.yaml")).get(0);
		Map<String, Object> exampleKeys = map(exampleSecret.get("stringData"));
		for (String name : SECRET_VARIABLES) {
			Map<String, Object> variable = env.get(name);
			assertThat(variable).as(name).isNotNull().doesNotContainKey("value");
			Map<String, Object> reference = map(at(variable, "valueFrom", "secretKeyRef"));
			assertThat(reference).as(name).containsEntry("name", at(exampleSecret, "metadata", "name"));
			assertThat(exampleKeys).as(name + " documented in secret.example.yaml")
				.containsKey(string(reference.get("key")));
		}
		assertThat(map(at(k8sResource("ConfigMap"), "data")))
			.doesNotContainKeys(SECRET_VARIABLES.toArray(String[]::new));
	}

	@Test
	void configMapProvidesTheGatewaySettingsToTheContainer() throws IOException {
		Map<String, Object> configMap = k8sResource("ConfigMap");
		assertThat(map(configMap.get("data"))).containsKeys(CONFIG_MAP_VARIABLES.toArray(String[]::new));
		assertThat(list(gatewayContainer().get("envFrom"))).map(DeploymentManifestTests::map)
			.anySatisfy(source -> assertThat(at(source, "configMapRef", "name"))
				.isEqualTo(at(configMap, "metadata", "name")));
	}

	@Test
	void eachReplicaIsNamedAfterItsPod() throws IOException {
		Map<String, Object> instanceId = environment(gatewayContainer()).get("GATEWAY_INSTANCE_ID");
		assertThat(instanceId).isNotNull().doesNotContainKey("value");
		assertThat(at(instanceId, "valueFrom", "fieldRef", "fieldPath")).isEqualTo("metadata.name");
	}

	@Test
	void disruptionBudgetKeepsAReplicaServingWhileTheDeploymentRunsSeveral() throws IOException {
		Map<String, Object> deployment = k8sResource("Deployment");
		Map<String, Object> budget = k8sResource("PodDisruptionBudget");
		Map<String, Object> podLabels = map(at(podTemplate(), "metadata", "labels"));

		assertThat(number(at(deployment, "spec", "replicas"))).isGreaterThanOrEqualTo(2);
		assertThat(at(budget, "spec", "minAvailable")).isEqualTo(1);
		assertThat(podLabels).containsAllEntriesOf(map(at(budget, "spec", "selector", "matchLabels")));
		assertThat(podLabels).containsAllEntriesOf(map(at(deployment, "spec", "selector", "matchLabels")));
		assertThat(podLabels).containsAllEntriesOf(map(at(k8sResource("Service"), "spec", "selector")));
	}

	@Test
	void runtimeImageRunsAsTheManifestsUserWithAHealthCheckAndTheServerPortExposed() throws IOException {
		List<Instruction> runtime = dockerStages().get(dockerStages().size() - 1);

		String user = last(runtime, "USER").arguments();
		String uid = user.split(":")[0];
		assertThat(uid).matches("\\d+").isNotEqualTo("0");
		assertThat(Integer.parseInt(uid)).isEqualTo(at(podSpec(), "securityContext", "runAsUser"));

		assertThat(last(runtime, "EXPOSE").arguments().split("\\s+"))
			.contains(String.valueOf(defaultServerPort()));

		String healthCheck = last(runtime, "HEALTHCHECK").arguments();
		assertThat(healthCheck).contains("CMD").contains("HealthCheck");
		assertThat(Files.readString(HEALTH_CHECK)).contains("\"" + LIVENESS + "\"");
	}

	@Test
	void imageIsBuiltOnPinnedTemurin25AndLaunchesTheExtractedLayers() throws IOException {
		List<List<Instruction>> stages = dockerStages();
		for (List<Instruction> stage : stages) {
			String image = stage.get(0).arguments().split("\\s+")[0];
			assertThat(image).matches("eclipse-temurin:25-(jdk|jre)");
		}
		assertThat(stages.get(stages.size() - 1).get(0).arguments()).startsWith("eclipse-temurin:25-jre");

		assertThat(stages.stream().flatMap(List::stream))
			.filteredOn(instruction -> instruction.keyword().equals("RUN"))
			.extracting(Instruction::arguments)
			.anyMatch(run -> run.contains("-Djarmode=tools") && run.contains("extract --layers --launcher"));

		List<Instruction> runtime = stages.get(stages.size() - 1);
		List<String> layers = runtime.stream()
			.filter(instruction -> instruction.keyword().equals("COPY"))
			.map(instruction -> layerOf(instruction.arguments()))
			.filter(Objects::nonNull)
			.toList();
		assertThat(layers).containsExactly("dependencies", "spring-boot-loader", "snapshot-dependencies",
				"application");

		String entrypoint = last(runtime, "ENTRYPOINT").arguments();
		assertThat(entrypoint).startsWith("[\"java\"")
			.endsWith("\"org.springframework.boot.loader.launch.JarLauncher\"]")
			.contains("-XX:MaxRAMPercentage=")
			.contains("-XX:+ExitOnOutOfMemoryError");
	}

	@Test
	void composePinsPostgresAndStartsTheGatewayOnlyOnceItsDatabaseIsHealthy() throws IOException {
		Map<String, Object> compose = documents(COMPOSE).get(0);
		Map<String, Object> services = map(compose.get("services"));

		for (String database : List.of("postgres", "sandbox-postgres")) {
			Map<String, Object> service = map(services.get(database));
			assertThat(service.get("image")).as(database).isEqualTo("postgres:16.6");
			assertThat(String.valueOf(at(service, "healthcheck", "test"))).as(database).contains("pg_isready");
		}
		String dataVolume = string(list(map(services.get("postgres")).get("volumes")).get(0)).split(":")[0];
		assertThat(map(compose.get("volumes"))).containsKey(dataVolume);

		Map<String, String> databaseOf = Map.of("gateway", "postgres", "sandbox", "sandbox-postgres");
		for (Map.Entry<String, String> gatewayAndDatabase : databaseOf.entrySet()) {
			Map<String, Object> gateway = map(services.get(gatewayAndDatabase.getKey()));
			assertThat(at(gateway, "depends_on", gatewayAndDatabase.getValue(), "condition"))
				.isEqualTo("service_healthy");
			assertThat(gateway).containsKey("healthcheck");
			assertThat(list(gateway.get("ports"))).map(DeploymentManifestTests::string)
				.allSatisfy(mapping -> assertThat(mapping).endsWith(":" + defaultServerPort()));
			assertThat(DurationStyle.detectAndParse(string(gateway.get("stop_grace_period"))))
				.isGreaterThan(CONTRACT_SHUTDOWN_BOUND);
		}
	}

	@Test
	void composeTakesTheGatewaysSecretsFromTheEnvironment() throws IOException {
		Map<String, Object> gateway = map(at(documents(COMPOSE).get(0), "services", "gateway"));
		Map<String, Object> environment = map(gateway.get("environment"));
		assertThat(environment).doesNotContainKey("SPRING_PROFILES_ACTIVE");
		for (String name : List.of("SPRING_DATASOURCE_PASSWORD", "GATEWAY_CRYPTO_KEYS",
				"GATEWAY_SECURITY_BOOTSTRAP_ADMIN_KEY")) {
			// An interpolated variable without a default: the value lives outside the file.
			assertThat(string(environment.get(name))).as(name).matches("\\$\\{[A-Z_]+(:?-)?}");
		}
	}

	@Test
	void composeSandboxProfileRunsTheGatewayAgainstItsOwnSimulator() throws IOException {
		Map<String, Object> services = map(documents(COMPOSE).get(0).get("services"));
		Map<String, Object> sandbox = map(services.get("sandbox"));
		assertThat(list(sandbox.get("profiles"))).containsExactly("sandbox");
		// A dependency outside the active profiles would make Compose refuse the trial.
		assertThat(list(map(services.get("sandbox-postgres")).get("profiles"))).containsExactly("sandbox");

		Map<String, Object> environment = map(sandbox.get("environment"));
		assertThat(environment).containsEntry("SPRING_PROFILES_ACTIVE", "sandbox")
			.containsEntry("GATEWAY_FRAMEIO_BASE_URL", "http://127.0.0.1:" + defaultServerPort());
		assertThat(string(environment.get("SPRING_DATASOURCE_URL"))).contains("//sandbox-postgres:");
	}

	// --- Kubernetes

	// --- Exposure: management port, Service, Ingress, NetworkPolicy

	@Test
	void actuatorAnswersOnTheManagementPortWhichProbesAndPrometheusUseAndNoServiceRoutes() throws IOException {
		Map<String, Object> container = gatewayContainer();
		Map<String, Object> http = httpPort(container);
		Map<String, Object> management = namedPort(container, MANAGEMENT);
		assertThat(management.get("containerPort")).isNotEqualTo(http.get("containerPort"));
		assertThat(at(environment(container).get("MANAGEMENT_SERVER_PORT"), "value"))
			.isEqualTo(String.valueOf(management.get("containerPort")));

		Map<String, Object> annotations = map(at(podTemplate(), "metadata", "annotations"));
		assertThat(annotations).containsEntry("prometheus.io/port", String.valueOf(management.get("containerPort")))
			.containsEntry("prometheus.io/path", "/actuator/prometheus");

		for (Object entry : list(at(k8sResource("Service"), "spec", "ports"))) {
			Object target = map(entry).get("targetPort");
			assertThat(target).as("Service targetPort").isIn(http.get("name"), http.get("containerPort"));
		}

		Path podMonitor = Path.of("deploy", "monitoring", "podmonitor.yaml");
		if (Files.exists(podMonitor)) {
			for (Object endpoint : list(at(documents(podMonitor).get(0), "spec", "podMetricsEndpoints"))) {
				assertThat(map(endpoint).get("port")).as("the PodMonitor scrapes the management port")
					.isEqualTo(MANAGEMENT);
			}
		}
	}

	@Test
	void ingressTerminatesTlsAndRoutesOnlyTheServicesApiPort() throws IOException {
		Map<String, Object> ingress = k8sResource("Ingress");
		Map<String, Object> service = k8sResource("Service");
		assertThat(string(at(ingress, "spec", "ingressClassName"))).isNotBlank();

		List<Map<String, Object>> tls = list(at(ingress, "spec", "tls")).stream().map(DeploymentManifestTests::map).toList();
		assertThat(tls).isNotEmpty().allSatisfy(entry -> assertThat(string(entry.get("secretName"))).isNotBlank());
		Set<Object> tlsHosts = tls.stream().flatMap(entry -> list(entry.get("hosts")).stream()).collect(Collectors.toSet());

		Map<String, Object> servicePort = map(list(at(service, "spec", "ports")).get(0));
		List<Object> rules = list(at(ingress, "spec", "rules"));
		assertThat(rules).isNotEmpty();
		for (Object rule : rules) {
			assertThat(map(rule).get("host")).as("every routed host has a certificate").isIn(tlsHosts);
			for (Object path : list(at(rule, "http", "paths"))) {
				Map<String, Object> backend = map(at(path, "backend", "service"));
				assertThat(backend.get("name")).isEqualTo(at(service, "metadata", "name"));
				Map<String, Object> port = map(backend.get("port"));
				assertThat(port.containsKey("name") ? port.get("name") : port.get("number"))
					.isIn(servicePort.get("name"), servicePort.get("port"));
			}
		}
	}

	@Test
	void networkPolicyAdmitsTheIngressControllerToTheApiPortOnlyAndLetsOutOnlyDnsPostgresqlAndHttps()
			throws IOException {
		Map<String, Object> policy = k8sResource("NetworkPolicy");
		assertThat(map(at(podTemplate(), "metadata", "labels")))
			.containsAllEntriesOf(map(at(policy, "spec", "podSelector", "matchLabels")));
		assertThat(list(at(policy, "spec", "policyTypes"))).containsExactlyInAnyOrder("Ingress", "Egress");

		Map<String, Object> container = gatewayContainer();
		Set<Object> apiPort = Set.of(httpPort(container).get("name"), httpPort(container).get("containerPort"));
		Set<Object> managementPort = Set.of(MANAGEMENT, namedPort(container, MANAGEMENT).get("containerPort"));
		boolean ingressControllerAdmitted = false;
		for (Object entry : list(at(policy, "spec", "ingress"))) {
			Map<String, Object> rule = map(entry);
			assertThat(list(rule.get("from"))).as("an ingress rule without sources admits everyone").isNotEmpty();
			List<Object> ports = list(rule.get("ports")).stream().map(port -> map(port).get("port")).toList();
			assertThat(ports).as("an ingress rule without ports opens every port").isNotEmpty();
			boolean fromIngressController = list(rule.get("from")).stream()
				.map(DeploymentManifestTests::map)
				.anyMatch(peer -> peer.get("namespaceSelector") instanceof Map<?, ?> selector
						&& selector.get("matchLabels") instanceof Map<?, ?> labels
						&& INGRESS_CONTROLLER_NAMESPACE.equals(labels.get("kubernetes.io/metadata.name")));
			if (fromIngressController) {
				ingressControllerAdmitted = true;
				assertThat(ports).as("the ingress controller reaches the API port only").allMatch(apiPort::contains);
			}
			else {
				assertThat(ports).as("other sources reach the management port only").allMatch(managementPort::contains);
			}
		}
		assertThat(ingressControllerAdmitted).as("a rule for the ingress controller's namespace").isTrue();

		int databasePort = Integer.parseInt(string(map(k8sResource("ConfigMap").get("data")).get("SPRING_DATASOURCE_URL"))
			.replaceAll("^jdbc:postgresql://[^:/]+:(\\d+)/.*$", "$1"));
		Set<String> egress = new java.util.TreeSet<>();
		for (Object entry : list(at(policy, "spec", "egress"))) {
			Map<String, Object> rule = map(entry);
			assertThat(list(rule.get("to"))).as("an egress rule without destinations lets out everywhere").isNotEmpty();
			for (Object port : list(rule.get("ports"))) {
				String portAndProtocol = map(port).get("port") + "/" + map(port).get("protocol");
				egress.add(portAndProtocol);
				if (portAndProtocol.equals("443/TCP")) {
					assertThat(list(rule.get("to"))).map(DeploymentManifestTests::map)
						.allSatisfy(peer -> assertThat(list(at(peer, "ipBlock", "except"))).containsAll(PRIVATE_RANGES));
				}
			}
		}
		assertThat(egress).containsExactlyInAnyOrder("53/UDP", "53/TCP", databasePort + "/TCP", "443/TCP");
	}

	@Test
	void everyManifestReadsStrictlyAsItsKubernetesObject() throws Exception {
		List<Map<String, Object>> documents = new ArrayList<>(KubernetesObjects.rendered(K8S));
		documents.addAll(documents(K8S.resolve("secret.example.yaml")));
		assertThat(documents).extracting(document -> document.get("kind"))
			.contains("Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "Ingress", "NetworkPolicy", "Secret");
		for (Map<String, Object> document : documents) {
			KubernetesObjects.readStrictly(document);
		}
	}

	@Test
	void strictReadingRefusesAMisspelledFieldAndAWrongType() throws IOException {
		Map<String, Object> deployment = k8sResource("Deployment");
		KubernetesObjects.readStrictly(deployment);

		Map<String, Object> misspelled = copy(deployment);
		map(list(at(misspelled, "spec", "template", "spec", "containers")).get(0)).put("readinessProbes", Map.of());
		assertThatThrownBy(() -> KubernetesObjects.readStrictly(misspelled)).hasMessageContaining("readinessProbes");

		Map<String, Object> wrongType = copy(deployment);
		map(wrongType.get("spec")).put("replicas", "two");
		assertThatThrownBy(() -> KubernetesObjects.readStrictly(wrongType)).hasMessageContaining("replicas");
	}

	@Test
	void kustomizeRendersEveryResourceWithTheBasesLabelAndImageTag() throws Exception {
		assumeTrue(KubernetesObjects.kubectlAvailable(), "kubectl is not installed");
		List<Map<String, Object>> rendered = KubernetesObjects.rendered(K8S);
		List<Object> kinds = new ArrayList<>();
		for (String resource : kustomizationResources()) {
			documents(K8S.resolve(resource)).forEach(document -> kinds.add(document.get("kind")));
		}
		assertThat(rendered).extracting(document -> document.get("kind")).containsExactlyInAnyOrderElementsOf(kinds);
		assertThat(rendered).allSatisfy(document -> assertThat(map(at(document, "metadata", "labels")))
			.containsEntry("app.kubernetes.io/part-of", "c2c-gateway"));
		Map<String, Object> deployment = rendered.stream()
			.filter(document -> "Deployment".equals(document.get("kind")))
			.findFirst()
			.orElseThrow();
		assertThat(at(list(at(deployment, "spec", "template", "spec", "containers")).get(0), "image"))
			.isEqualTo("c2c-gateway:0.1.0-SNAPSHOT");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> copy(Map<String, Object> document) {
		return (Map<String, Object>) new Yaml().load(new Yaml().dump(document));
	}

	private static Map<String, Object> namedPort(Map<String, Object> container, String name) {
		return list(container.get("ports")).stream()
			.map(DeploymentManifestTests::map)
			.filter(port -> name.equals(port.get("name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no container port named " + name));
	}

	private static List<Path> k8sFiles() throws IOException {
		try (Stream<Path> files = Files.list(K8S)) {
			return files.filter(file -> file.getFileName().toString().endsWith(".yaml")).sorted().toList();
		}
	}

	private static List<String> kustomizationResources() throws IOException {
		return list(documents(K8S.resolve("kustomization.yaml")).get(0).get("resources")).stream()
			.map(DeploymentManifestTests::string)
			.toList();
	}

	private static Map<String, Object> k8sResource(String kind) throws IOException {
		List<Map<String, Object>> found = new ArrayList<>();
		for (String resource : kustomizationResources()) {
			documents(K8S.resolve(resource)).stream()
				.filter(document -> kind.equals(document.get("kind")))
				.forEach(found::add);
		}
		assertThat(found).as("resources of kind " + kind).hasSize(1);
		return found.get(0);
	}

	private static Map<String, Object> podTemplate() throws IOException {
		return map(at(k8sResource("Deployment"), "spec", "template"));
	}

	private static Map<String, Object> podSpec() throws IOException {
		return map(podTemplate().get("spec"));
	}

	private static Map<String, Object> gatewayContainer() throws IOException {
		List<Object> containers = list(podSpec().get("containers"));
		assertThat(containers).hasSize(1);
		return map(containers.get(0));
	}

	private static Map<String, Object> httpPort(Map<String, Object> container) {
		return list(container.get("ports")).stream()
			.map(DeploymentManifestTests::map)
			.filter(port -> "http".equals(port.get("name")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("no container port named http"));
	}

	private static Map<String, Object> probe(Map<String, Object> container, String name) {
		return map(at(container, name, "httpGet"));
	}

	private static Map<String, Map<String, Object>> environment(Map<String, Object> container) {
		Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
		for (Object entry : list(container.get("env"))) {
			Map<String, Object> variable = map(entry);
			assertThat(byName.put(string(variable.get("name")), variable)).as("duplicate " + variable.get("name"))
				.isNull();
		}
		return byName;
	}

	private static Duration preStopSleep(Map<String, Object> container) {
		Map<String, Object> preStop = map(at(container, "lifecycle", "preStop"));
		if (preStop.containsKey("sleep")) {
			return Duration.ofSeconds(number(at(preStop, "sleep", "seconds")));
		}
		List<String> command = list(at(preStop, "exec", "command")).stream()
			.map(DeploymentManifestTests::string)
			.toList();
		assertThat(command).hasSize(2).first().isEqualTo("sleep");
		return Duration.ofSeconds(Long.parseLong(command.get(1)));
	}

	// --- Application configuration

	private static Map<String, Object> applicationYaml() throws IOException {
		return documents(APPLICATION_YAML).get(0);
	}

	private static int defaultServerPort() throws IOException {
		String port = string(at(applicationYaml(), "server", "port"));
		Matcher placeholder = Pattern.compile("\\$\\{SERVER_PORT:(\\d+)}").matcher(port);
		return placeholder.matches() ? Integer.parseInt(placeholder.group(1)) : Integer.parseInt(port);
	}

	// --- Dockerfile

	@Test
	void runtimeImageCarriesOciLabelsForVersionRevisionSourceAndCreationFromBuildArguments() throws IOException {
		List<Instruction> runtime = dockerStages().get(dockerStages().size() - 1);
		String labels = runtime.stream()
			.filter((instruction) -> instruction.keyword().equals("LABEL"))
			.map(Instruction::arguments)
			.collect(Collectors.joining(" "));
		Set<String> arguments = runtime.stream()
			.filter((instruction) -> instruction.keyword().equals("ARG"))
			.map((instruction) -> instruction.arguments().split("=", 2)[0])
			.collect(Collectors.toSet());
		for (String[] label : new String[][] { { "version", "VERSION" }, { "revision", "REVISION" },
				{ "source", "SOURCE" }, { "created", "CREATED" } }) {
			assertThat(labels).contains("org.opencontainers.image." + label[0] + "=\"${" + label[1] + "}\"");
			assertThat(arguments).as("ARG in the runtime stage").contains(label[1]);
		}
	}

	record Instruction(String keyword, String arguments) {
	}

	/** Instructions per build stage, continuation lines joined and comments dropped, as Docker reads them. */
	private static List<List<Instruction>> dockerStages() throws IOException {
		List<List<Instruction>> stages = new ArrayList<>();
		StringBuilder pending = new StringBuilder();
		for (String line : Files.readAllLines(DOCKERFILE)) {
			String trimmed = line.strip();
			if (trimmed.isEmpty() || trimmed.startsWith("#")) {
				continue;
			}
			if (trimmed.endsWith("\\")) {
				pending.append(trimmed, 0, trimmed.length() - 1).append(' ');
				continue;
			}
			pending.append(trimmed);
			String[] parts = pending.toString().strip().split("\\s+", 2);
			pending.setLength(0);
			Instruction instruction = new Instruction(parts[0].toUpperCase(),
					(parts.length > 1) ? parts[1].strip() : "");
			if (instruction.keyword().equals("FROM")) {
				stages.add(new ArrayList<>());
			}
			assertThat(stages).as("instruction before the first FROM: " + instruction).isNotEmpty();
			stages.get(stages.size() - 1).add(instruction);
		}
		assertThat(stages).hasSizeGreaterThanOrEqualTo(2);
		return stages;
	}

	private static Instruction last(List<Instruction> stage, String keyword) {
		List<Instruction> matching = stage.stream()
			.filter(instruction -> instruction.keyword().equals(keyword))
			.toList();
		assertThat(matching).as(keyword + " in the runtime stage").isNotEmpty();
		return matching.get(matching.size() - 1);
	}

	private static String layerOf(String copyArguments) {
		Matcher layer = Pattern.compile("--from=\\S+\\s+\\S*/extracted/([a-z-]+)/?\\s").matcher(copyArguments);
		return layer.find() ? layer.group(1) : null;
	}

	// --- YAML

	private static List<Map<String, Object>> documents(Path file) throws IOException {
		try (InputStream in = Files.newInputStream(file)) {
			List<Map<String, Object>> documents = new ArrayList<>();
			for (Object document : new Yaml().loadAll(in)) {
				if (document != null) {
					documents.add(map(document));
				}
			}
			return documents;
		}
	}

	private static Object at(Object node, String... path) {
		Object current = node;
		for (String key : path) {
			assertThat(current).as("parent of " + key + " in " + Arrays.toString(path)).isInstanceOf(Map.class);
			current = ((Map<?, ?>) current).get(key);
		}
		return current;
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object node) {
		assertThat(node).isInstanceOf(Map.class);
		return (Map<String, Object>) node;
	}

	@SuppressWarnings("unchecked")
	private static List<Object> list(Object node) {
		assertThat(node).isInstanceOf(List.class);
		return (List<Object>) node;
	}

	private static String string(Object node) {
		assertThat(node).isNotNull();
		return String.valueOf(node);
	}

	private static long number(Object node) {
		assertThat(node).isInstanceOf(Number.class);
		return ((Number) node).longValue();
	}

	private static Set<String> commaSeparated(Object node) {
		if (node instanceof List<?> items) {
			return items.stream().map(String::valueOf).map(String::strip).collect(Collectors.toSet());
		}
		return Arrays.stream(string(node).split(",")).map(String::strip).collect(Collectors.toSet());
	}

}
