package io.c2cgateway.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.cfg.MapperConfig;
import tools.jackson.databind.introspect.Annotated;
import tools.jackson.databind.introspect.JacksonAnnotationIntrospector;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The manifests as Kubernetes reads them. {@link #rendered} is the output of {@code kubectl kustomize}
 * where kubectl is installed (it is not a Debian package), else the kustomization's resource files
 * as they are. {@link #readStrictly} binds a document to fabric8's model of the Kubernetes API,
 * which is generated from Kubernetes' OpenAPI schema: a field the schema does not know or a value
 * of the wrong type fails, as {@code kubectl apply --validate=strict} would.
 */
final class KubernetesObjects {

	/** apiVersion/kind to the model class; a kind not listed here fails the check. */
	private static final Map<String, Class<?>> MODEL = Map.of("v1/ConfigMap", ConfigMap.class, "v1/Secret",
			Secret.class, "v1/Service", Service.class, "apps/v1/Deployment", Deployment.class,
			"networking.k8s.io/v1/Ingress", Ingress.class, "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
			"policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);

	/**
	 * Jackson 3, as fabric8's model uses. fabric8's classes keep unknown fields in an "additionalProperties" map (a JSON any-setter) and
	 * some ignore unknown names; with both switched off, binding is as strict as the schema.
	 */
	private static final ObjectMapper STRICT = JsonMapper.builder()
		.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
		.annotationIntrospector(new JacksonAnnotationIntrospector() {

			@Override
			public Boolean hasAnySetter(MapperConfig<?> config, Annotated annotated) {
				return Boolean.FALSE;
			}

			@Override
			public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated annotated) {
				return JsonIgnoreProperties.Value.empty();
			}

		})
		.build();

	private KubernetesObjects() {
	}

	static boolean kubectlAvailable() {
		try {
			Process process = new ProcessBuilder("kubectl", "version", "--client").redirectErrorStream(true)
				.redirectOutput(ProcessBuilder.Redirect.DISCARD)
				.start();
			return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
		}
		catch (IOException ex) {
			return false;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
	}

	/** The objects the kustomization in {@code base} applies. */
	static List<Map<String, Object>> rendered(Path base) throws IOException, InterruptedException {
		String yaml;
		if (kubectlAvailable()) {
			Process process = new ProcessBuilder("kubectl", "kustomize", base.toString()).redirectErrorStream(false)
				.start();
			byte[] output = process.getInputStream().readAllBytes();
			String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
			assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("kubectl kustomize finished").isTrue();
			assertThat(process.exitValue()).as("kubectl kustomize: %s", errors).isZero();
			yaml = new String(output, StandardCharsets.UTF_8);
		}
		else {
			StringBuilder files = new StringBuilder();
			@SuppressWarnings("unchecked")
			List<String> resources = (List<String>) ((Map<String, Object>) new Yaml()
				.load(Files.readString(base.resolve("kustomization.yaml")))).get("resources");
			for (String resource : resources) {
				files.append(Files.readString(base.resolve(resource))).append("\n---\n");
			}
			yaml = files.toString();
		}
		List<Map<String, Object>> documents = new ArrayList<>();
		for (Object document : new Yaml().loadAll(yaml)) {
			if (document != null) {
				@SuppressWarnings("unchecked")
				Map<String, Object> map = (Map<String, Object>) document;
				documents.add(map);
			}
		}
		return documents;
	}

	/** Binds {@code document} to its Kubernetes model class; throws naming the field that does not fit. */
	static Object readStrictly(Map<String, Object> document) {
		String type = document.get("apiVersion") + "/" + document.get("kind");
		Class<?> model = MODEL.get(type);
		assertThat(model).as("a model for %s", type).isNotNull();
		try {
			return STRICT.convertValue(document, model);
		}
		catch (JacksonException | IllegalArgumentException ex) {
			throw new AssertionError(type + " " + metadataName(document) + ": " + ex.getMessage(), ex);
		}
	}

	private static Object metadataName(Map<String, Object> document) {
		return (document.get("metadata") instanceof Map<?, ?> metadata) ? metadata.get("name") : null;
	}

}
