package io.c2cgateway.support;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

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

	public static SecondReplica start(String instanceId) {
		Map<String, String> properties = new LinkedHashMap<>(TestDatabase.properties());
		properties.put("server.port", "0");
		properties.put("gateway.instance-id", instanceId);
		properties.put("spring.main.banner-mode", "off");
		// As arguments: they outrank the test profile's file, which names the first replica.
		String[] args = properties.entrySet()
			.stream()
			.map((entry) -> "--" + entry.getKey() + "=" + entry.getValue())
			.toArray(String[]::new);
		return new SecondReplica(
				new SpringApplicationBuilder(C2cGatewayApplication.class).profiles("test", "sandbox").run(args));
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

}
