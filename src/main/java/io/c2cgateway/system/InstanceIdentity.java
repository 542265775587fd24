package io.c2cgateway.system;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.util.HexFormat;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/** This replica's name in leases and logs: {@code GATEWAY_INSTANCE_ID}, else host name plus a random suffix. */
@Component
public class InstanceIdentity {

	private final String id;

	InstanceIdentity(@Value("${gateway.instance-id:}") String configured) {
		this.id = StringUtils.hasText(configured) ? configured.trim() : hostName() + "-" + randomSuffix();
	}

	public String id() {
		return this.id;
	}

	private static String hostName() {
		String fromEnv = System.getenv("HOSTNAME");
		if (StringUtils.hasText(fromEnv)) {
			return fromEnv;
		}
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (Exception ex) {
			return "gateway";
		}
	}

	private static String randomSuffix() {
		byte[] bytes = new byte[4];
		new SecureRandom().nextBytes(bytes);
		return HexFormat.of().formatHex(bytes);
	}

}
