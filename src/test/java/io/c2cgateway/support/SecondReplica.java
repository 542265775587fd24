package io.c2cgateway.support;

import java.io.IOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.boot.test.context.TestComponent;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.MetadataReaderFactory;

import io.c2cgateway.C2cGatewayApplication;

/**
 * Another replica of the gateway in this JVM, on the shared test database: its own web server,
 * poll engine, listener and caches, as a second pod would have. Close it when done.
 */
public final class SecondReplica implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private SecondReplica(ConfigurableApplicationContext context) {
		this.context = context;
	}

	/** A replica with its own domain clock and simulator. */
	public static SecondReplica start(String instanceId) {
		return start(instanceId, Map.of(), (context) -> {
		});
	}

	/** A replica with its own clock and simulator and the given settings on top (as arguments). */
	public static SecondReplica start(String instanceId, Map<String, String> settings) {
		return start(instanceId, settings, (context) -> {
		});
	}

	/**
	 * A replica on the system clock, as in production, with its own simulator: for tests of the
	 * engine running in the background, in real time.
	 */
	public static SecondReplica startOnSystemClock(String instanceId, Map<String, String> settings) {
		return start(instanceId, settings, (ConfigurableApplicationContext context) -> context.getBeanFactory()
			.registerSingleton("testComponentsExcluded", new TestComponentsExcluded()));
	}

	/**
	 * As {@link #startOnSystemClock(String, Map)}, with the given clock as its domain clock: for
	 * tests of a replica whose clock is off the database's.
	 */
	public static SecondReplica startOnClock(String instanceId, Map<String, String> settings, Clock clock) {
		return start(instanceId, settings, (ConfigurableApplicationContext context) -> {
			context.getBeanFactory().registerSingleton("testComponentsExcluded", new TestComponentsExcluded());
			((GenericApplicationContext) context).registerBean("testClock", Clock.class, () -> clock,
					(definition) -> definition.setPrimary(true));
		});
	}

	/**
	 * A replica on the same domain clock as the first, with Frame.io pointed at the first replica's
	 * simulator so that one simulator sees every upstream call.
	 */
	public static SecondReplica start(String instanceId, int firstPort, MutableClock clock) {
		return start(instanceId, firstPort, clock, Map.of());
	}

	/** As {@link #start(String, int, MutableClock)}, with the given settings on top (as arguments). */
	public static SecondReplica start(String instanceId, int firstPort, MutableClock clock,
			Map<String, String> settings) {
		Map<String, String> extra = new LinkedHashMap<>(settings);
		extra.put("gateway.frameio.base-url", "http://127.0.0.1:" + firstPort);
		return start(instanceId, extra, (ConfigurableApplicationContext context) -> {
			// Test configurations are not scanned here, as in the first context; the clock is shared instead.
			context.getBeanFactory().registerSingleton("testComponentsExcluded", new TestComponentsExcluded());
			((GenericApplicationContext) context).registerBean("testClock", MutableClock.class, () -> clock,
					(definition) -> definition.setPrimary(true));
		});
	}

	/** A replica with its own clock and simulator, the given settings, and beans of the test's own. */
	public static SecondReplica start(String instanceId, Map<String, String> extra,
			ApplicationContextInitializer<ConfigurableApplicationContext> initializer) {
		Map<String, String> properties = new LinkedHashMap<>(TestDatabase.properties());
		properties.put("server.port", "0");
		properties.put("gateway.instance-id", instanceId);
		properties.put("spring.main.banner-mode", "off");
		properties.putAll(extra);
		// As arguments: they outrank the test profile's file, which names the first replica.
		String[] args = properties.entrySet()
			.stream()
			.map((entry) -> "--" + entry.getKey() + "=" + entry.getValue())
			.toArray(String[]::new);
		return new SecondReplica(new SpringApplicationBuilder(C2cGatewayApplication.class).profiles("test", "sandbox")
			.initializers(initializer)
			.run(args));
	}

	public int port() {
		return Integer.parseInt(this.context.getEnvironment().getProperty("local.server.port"));
	}

	public <T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	@Override
	public void close() {
		this.context.close();
	}

	private static final class TestComponentsExcluded extends TypeExcludeFilter {

		@Override
		public boolean match(MetadataReader reader, MetadataReaderFactory factory) throws IOException {
			return reader.getAnnotationMetadata().hasMetaAnnotation(TestComponent.class.getName())
					|| reader.getAnnotationMetadata().hasAnnotation(TestComponent.class.getName());
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof TestComponentsExcluded;
		}

		@Override
		public int hashCode() {
			return TestComponentsExcluded.class.hashCode();
		}

	}

}
