package io.c2cgateway.device;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.TypeExcludeFilter;
import org.springframework.boot.test.context.TestComponent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.type.classreading.MetadataReader;
import org.springframework.core.type.classreading.MetadataReaderFactory;

import io.c2cgateway.C2cGatewayApplication;
import io.c2cgateway.support.MutableClock;
import io.c2cgateway.support.TestDatabase;

/**
 * A second gateway replica in this JVM: its own application context and port, the same database,
 * the same domain clock, and Frame.io pointed at the first replica's simulator so that one
 * simulator sees every upstream call.
 */
final class SecondReplica implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private SecondReplica(ConfigurableApplicationContext context) {
		this.context = context;
	}

	static SecondReplica start(int firstPort, MutableClock clock) {
		List<String> args = new ArrayList<>();
		TestDatabase.properties().forEach((key, value) -> args.add("--" + key + "=" + value));
		args.add("--server.port=0");
		args.add("--gateway.instance-id=second-replica");
		args.add("--gateway.frameio.base-url=http://127.0.0.1:" + firstPort);
		ConfigurableApplicationContext context = new SpringApplicationBuilder(C2cGatewayApplication.class)
			.profiles("test", "sandbox")
			.initializers((ConfigurableApplicationContext ctx) -> {
				// Test configurations are not scanned here, as in the first context; the clock is shared instead.
				ctx.getBeanFactory().registerSingleton("testComponentsExcluded", new TestComponentsExcluded());
				((GenericApplicationContext) ctx).registerBean("testClock", MutableClock.class, () -> clock,
						(definition) -> definition.setPrimary(true));
			})
			.run(args.toArray(new String[0]));
		return new SecondReplica(context);
	}

	int port() {
		return ((WebServerApplicationContext) this.context).getWebServer().getPort();
	}

	@Override
	public void close() {
		this.context.close();
	}

	static final class TestComponentsExcluded extends TypeExcludeFilter {

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
