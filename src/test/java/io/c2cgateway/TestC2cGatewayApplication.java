package io.c2cgateway;

import java.nio.file.Path;

import org.springframework.boot.SpringApplication;

import io.c2cgateway.support.TestDatabase;

/**
 * Runs the gateway on this machine with nothing set up: an embedded PostgreSQL keeping its data in
 * {@code target/local-postgres}, the built-in Frame.io sandbox, development keys. Started by
 * {@code ./mvnw spring-boot:test-run}; none of it is part of the production jar.
 */
public class TestC2cGatewayApplication {

	public static void main(String[] args) {
		SpringApplication.from(C2cGatewayApplication::main)
			.withAdditionalProfiles("local", "sandbox")
			.run(args);
	}

	static {
		// Before the context starts, so the datasource properties are there when Boot binds them.
		TestDatabase.persistent(Path.of("target", "local-postgres"))
			.forEach((key, value) -> System.setProperty(key, value));
	}

}
