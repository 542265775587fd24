package io.c2cgateway.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Which URLs webhooks may go to (SSRF): {@code https} only and public addresses only, unless the
 * settings allow {@code http} or private targets. A name is judged by every address it resolves
 * to, at creation and again at each delivery, and the delivery connects only to an address judged
 * here (see {@link WebhookSender}), so a name that is re-pointed at an inner address (DNS
 * rebinding) gets nothing.
 */
final class TargetPolicy {

	private final boolean allowHttp;

	private final boolean allowPrivate;

	private final Lookup lookup;

	TargetPolicy(boolean allowHttp, boolean allowPrivate, Lookup lookup) {
		this.allowHttp = allowHttp;
		this.allowPrivate = allowPrivate;
		this.lookup = lookup;
	}

	static TargetPolicy of(WebhookProperties properties) {
		return new TargetPolicy(properties.allowHttp(), properties.allowPrivate(), InetAddress::getAllByName);
	}

	/** Why {@code url} may not be a webhook target, or null when it may. Resolves its host. */
	String refusal(String url) {
		URI uri;
		try {
			uri = new URI(url);
		}
		catch (URISyntaxException ex) {
			return "must be an absolute URL";
		}
		String scheme = (uri.getScheme() != null) ? uri.getScheme().toLowerCase(Locale.ROOT) : null;
		if (!"https".equals(scheme) && !(this.allowHttp && "http".equals(scheme))) {
			return this.allowHttp ? "must be an https or http URL" : "must be an https URL";
		}
		if (uri.getHost() == null || uri.getRawUserInfo() != null || uri.getRawFragment() != null) {
			return "must name a host, without user info or fragment";
		}
		try {
			List<InetAddress> refused = refused(uri.getHost());
			if (!refused.isEmpty()) {
				return "must not point at a loopback, link-local, private or otherwise internal address";
			}
		}
		catch (UnknownHostException ex) {
			return "host does not resolve";
		}
		return null;
	}

	/** The addresses of {@code host} a delivery may connect to; empty when none may. */
	List<InetAddress> permitted(String host) throws UnknownHostException {
		List<InetAddress> permitted = new ArrayList<>();
		for (InetAddress address : this.lookup.all(stripBrackets(host))) {
			if (this.allowPrivate || isPublic(address)) {
				permitted.add(address);
			}
		}
		return permitted;
	}

	private List<InetAddress> refused(String host) throws UnknownHostException {
		List<InetAddress> refused = new ArrayList<>();
		if (this.allowPrivate) {
			// Still resolve: a name that does not exist is refused either way.
			this.lookup.all(stripBrackets(host));
			return refused;
		}
		for (InetAddress address : this.lookup.all(stripBrackets(host))) {
			if (!isPublic(address)) {
				refused.add(address);
			}
		}
		return refused;
	}

	private static String stripBrackets(String host) {
		return (host.startsWith("[") && host.endsWith("]")) ? host.substring(1, host.length() - 1) : host;
	}

	/** Whether an address is on the public internet (not internal by any of the ranges below). */
	static boolean isPublic(InetAddress address) {
		if (address.isAnyLocalAddress() || address.isLoopbackAddress() || address.isLinkLocalAddress()
				|| address.isSiteLocalAddress() || address.isMulticastAddress()) {
			return false;
		}
		byte[] b = address.getAddress();
		if (address instanceof Inet4Address) {
			int first = b[0] & 0xff;
			int second = b[1] & 0xff;
			return !(first == 0 // "this" network
					|| (first == 100 && second >= 64 && second <= 127) // CGNAT 100.64.0.0/10
					|| (first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
					|| (first == 198 && (second == 18 || second == 19)) // benchmarking
					|| first >= 240); // reserved and broadcast
		}
		if (address instanceof Inet6Address) {
			int first = b[0] & 0xff;
			if ((first & 0xfe) == 0xfc) {
				return false; // unique local fc00::/7
			}
			if (isEmbeddingIpv4(b)) {
				// ::ffff:a.b.c.d, NAT64 64:ff9b::a.b.c.d: judged by the IPv4 address they carry.
				try {
					return isPublic(InetAddress.getByAddress(new byte[] { b[12], b[13], b[14], b[15] }));
				}
				catch (UnknownHostException ex) {
					return false;
				}
			}
		}
		return true;
	}

	private static boolean isEmbeddingIpv4(byte[] b) {
		boolean mapped = true;
		for (int i = 0; i < 10; i++) {
			mapped &= b[i] == 0;
		}
		mapped &= (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
		boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
		for (int i = 4; nat64 && i < 12; i++) {
			nat64 = b[i] == 0;
		}
		return mapped || nat64;
	}

	/** Name resolution; tests put a name of their own in. */
	@FunctionalInterface
	interface Lookup {

		InetAddress[] all(String host) throws UnknownHostException;

	}

}
