package io.c2cgateway;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class C2cGatewayApplication {

	public static void main(String[] args) {
		SpringApplication.run(C2cGatewayApplication.class, args);
	}

}
