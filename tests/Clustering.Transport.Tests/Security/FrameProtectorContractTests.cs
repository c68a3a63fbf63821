using System.Buffers.Binary;
using System.Security.Cryptography;
using Clustering.Transport.Framing;
using Clustering.Transport.Security;
using Clustering.Transport.Security.Internal;

namespace Clustering.Transport.Tests.Security;

/// <summary>The contract every crypto provider must meet; the same tests run for each provider.</summary>
[TestFixtureSource(typeof(CryptoCombinations), nameof(CryptoCombinations.Providers))]
public sealed class FrameProtectorContractTests(CryptoProviderKind provider)
{
    private const string Cluster = "testcluster";
    private static readonly FrameHeader SampleHeader = new(FrameType.Multicast, 0x01020304, 0x1122334455667788, 1, 0xA1B2C3D4E5F60718);

    private Authkey _key = null!;

    [OneTimeSetUp]
    public void CreateKey() => _key = Authkey.Generate();

    [OneTimeTearDown]
    public void DisposeKey() => _key.Dispose();

    private FrameProtector Protector(CryptoHash hash, CryptoCipher cipher, string cluster = Cluster, Authkey? key = null) =>
        new(hash == CryptoHash.None ? null : key ?? _key, new FrameProtectorOptions { ClusterName = cluster, Hash = hash, Cipher = cipher, Provider = provider });

    private static byte[] Payload(int length, int seed = 7)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] Seal(FrameProtector protector, FrameHeader header, byte[] payload)
    {
        var frame = new byte[protector.GetSealedLength(payload.Length)];
        var written = protector.Seal(header, payload, frame);
        Assert.That(written, Is.EqualTo(frame.Length), "Seal writes exactly GetSealedLength bytes");
        return frame;
    }

    private static FrameDropReason? Open(FrameProtector protector, byte[] frame) =>
        protector.TryOpen(frame, out _, out _, out var reason) ? null : reason;

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void Round_trips_every_payload_size(CryptoHash hash, CryptoCipher cipher)
    {
        using var protector = Protector(hash, cipher);
        foreach (var length in new[] { 0, 1, 15, 16, 17, 31, 32, 1000, 8192, protector.MaxPayloadLength })
        {
            var payload = Payload(length, length);
            var frame = Seal(protector, SampleHeader, payload);

            var opened = protector.TryOpen(frame, out var header, out var range, out var reason);

            Assert.That(opened, Is.True, $"payload {length}: dropped as {reason}");
            Assert.That(header, Is.EqualTo(SampleHeader));
            Assert.That(frame.AsSpan()[range].SequenceEqual(payload), Is.True, $"payload {length} differs after the round trip");
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void The_largest_payload_fills_at_most_a_maximum_frame_and_one_byte_more_is_refused(CryptoHash hash, CryptoCipher cipher)
    {
        using var protector = Protector(hash, cipher);
        var largest = protector.GetSealedLength(protector.MaxPayloadLength);
        Assert.That(largest, Is.LessThanOrEqualTo(FrameLayout.MaxFrameSize));
        Assert.That(largest, Is.GreaterThan(FrameLayout.MaxFrameSize - FrameLayout.CipherBlockSize));
        var tooBig = new byte[protector.MaxPayloadLength + 1];
        Assert.Throws<ArgumentException>(() => protector.Seal(SampleHeader, tooBig, new byte[FrameLayout.MaxFrameSize * 2]));
    }

    [Test]
    public void The_header_layout_is_big_endian_at_the_documented_offsets()
    {
        using var protector = Protector(CryptoHash.Sha256, CryptoCipher.None);
        var frame = Seal(protector, SampleHeader, [0xAA, 0xBB]);

        Assert.That(frame[0], Is.EqualTo(FrameLayout.Version));
        Assert.That(frame[1], Is.EqualTo((byte)FrameType.Multicast));
        Assert.That(frame[2], Is.EqualTo((byte)CryptoHash.Sha256));
        Assert.That(frame[3], Is.Zero);
        Assert.That(BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(4)), Is.EqualTo(FrameProtector.ComputeClusterId(Cluster)));
        Assert.That(frame.AsSpan(8, 4).ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4 }));
        Assert.That(frame.AsSpan(12, 8).ToArray(), Is.EqualTo(new byte[] { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 }));
        Assert.That(frame[20], Is.EqualTo(1));
        Assert.That(frame[21], Is.Zero);
        Assert.That(frame.AsSpan(22, 2).ToArray(), Is.EqualTo(new byte[] { 0, 2 }));
        Assert.That(frame.AsSpan(24, 8).ToArray(), Is.EqualTo(new byte[] { 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18 }));
        Assert.That(frame.AsSpan(32, 2).ToArray(), Is.EqualTo(new byte[] { 0xAA, 0xBB }));
        Assert.That(frame, Has.Length.EqualTo(32 + 2 + 32));
    }

    [Test]
    public void The_tag_is_hmac_sha256_with_the_hkdf_derived_key_over_everything_before_it_with_the_ring_number_read_as_0()
    {
        using var protector = Protector(CryptoHash.Sha256, CryptoCipher.None);
        var frame = Seal(protector, SampleHeader, Payload(100));
        Assert.That(frame[FrameLayout.RingOffset], Is.EqualTo(SampleHeader.RingNumber).And.Not.Zero);

        var macKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, _key.Bytes.ToArray(), 32, System.Text.Encoding.UTF8.GetBytes(Cluster), FrameCrypto.MacKeyInfo.ToArray());
        var signed = frame.AsSpan(0, frame.Length - 32).ToArray();
        signed[FrameLayout.RingOffset] = 0;
        var expected = HMACSHA256.HashData(macKey, signed);

        Assert.That(frame.AsSpan(frame.Length - 32).ToArray(), Is.EqualTo(expected));
    }

    [Test]
    public void The_tag_of_a_ring_probe_covers_its_ring_number()
    {
        using var protector = Protector(CryptoHash.Sha256, CryptoCipher.None);
        var frame = Seal(protector, SampleHeader with { Type = FrameType.RingProbe }, Payload(4));

        var macKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, _key.Bytes.ToArray(), 32, System.Text.Encoding.UTF8.GetBytes(Cluster), FrameCrypto.MacKeyInfo.ToArray());
        var expected = HMACSHA256.HashData(macKey, frame.AsSpan(0, frame.Length - 32));

        Assert.That(frame.AsSpan(frame.Length - 32).ToArray(), Is.EqualTo(expected));
    }

    /// <summary>Tags a hand-made multi-ring frame as a sender does: over the first <paramref name="signedLength"/> bytes with the ring number read as 0.</summary>
    private static void TagAsSent(FrameCrypto crypto, byte[] frame, int signedLength)
    {
        var ring = frame[FrameLayout.RingOffset];
        frame[FrameLayout.RingOffset] = 0;
        crypto.ComputeTag(frame.AsSpan(0, signedLength), frame.AsSpan(signedLength));
        frame[FrameLayout.RingOffset] = ring;
    }

    [Test]
    public void An_encrypted_body_is_the_iv_then_aes_cbc_pkcs7_with_the_hkdf_derived_key()
    {
        using var protector = Protector(CryptoHash.Sha256, CryptoCipher.Aes256);
        var payload = Payload(40);
        var frame = Seal(protector, SampleHeader, payload);

        var cipherKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, _key.Bytes.ToArray(), 32, System.Text.Encoding.UTF8.GetBytes(Cluster), FrameCrypto.CipherKeyInfo.ToArray());
        using var aes = Aes.Create();
        aes.Key = cipherKey;
        var iv = frame.AsSpan(32, 16).ToArray();
        var plain = aes.DecryptCbc(frame.AsSpan(48, 48), iv, PaddingMode.PKCS7);

        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(frame.AsSpan(22)), Is.EqualTo(16 + 48));
        Assert.That(plain, Is.EqualTo(payload));
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void Consecutive_frames_all_open_and_encrypted_ones_use_a_fresh_iv(CryptoHash hash, CryptoCipher cipher)
    {
        using var sender = Protector(hash, cipher);
        using var receiver = Protector(hash, cipher);
        var payload = Payload(64);
        var frames = Enumerable.Range(0, 20).Select(i => Seal(sender, SampleHeader with { Sequence = (ulong)i }, payload)).ToList();

        for (var i = 0; i < frames.Count; i++)
        {
            Assert.That(receiver.TryOpen(frames[i], out var header, out var range, out var reason), Is.True, $"frame {i}: {reason}");
            Assert.That(header.Sequence, Is.EqualTo((ulong)i));
            Assert.That(frames[i].AsSpan()[range].SequenceEqual(payload), Is.True);
        }

        if (cipher != CryptoCipher.None)
        {
            var ivs = frames.Select(f => Convert.ToHexString(f, 32, 16)).Distinct().Count();
            Assert.That(ivs, Is.EqualTo(frames.Count), "every frame has its own IV");
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void Header_fields_round_trip_at_their_limits(CryptoHash hash, CryptoCipher cipher)
    {
        using var protector = Protector(hash, cipher);
        var header = new FrameHeader(FrameType.RingProbeReply, uint.MaxValue, ulong.MaxValue, 7, ulong.MaxValue);
        var frame = Seal(protector, header, []);
        Assert.That(protector.TryOpen(frame, out var opened, out var range, out _), Is.True);
        Assert.That(opened, Is.EqualTo(header));
        Assert.That(range.GetOffsetAndLength(frame.Length).Length, Is.Zero);
    }

    [Test]
    public void Encryption_hides_the_payload()
    {
        using var protector = Protector(CryptoHash.Sha256, CryptoCipher.Aes128);
        var payload = "attack at dawn, attack at dawn, attack at dawn"u8.ToArray();
        var frame = Seal(protector, SampleHeader, payload);
        Assert.That(frame.AsSpan().IndexOf("attack"u8), Is.EqualTo(-1));
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void Frames_shorter_than_header_and_tag_are_truncated(CryptoHash hash, CryptoCipher cipher)
    {
        using var protector = Protector(hash, cipher);
        var frame = Seal(protector, SampleHeader, Payload(50));
        for (var length = 0; length < FrameLayout.HeaderSize + protector.TagLength; length++)
        {
            Assert.That(Open(protector, frame[..length]), Is.EqualTo(FrameDropReason.Truncated), $"length {length}");
        }
    }

    [Test]
    public void Any_cut_of_an_authenticated_frame_is_dropped()
    {
        using var protector = Protector(CryptoHash.Sha256, CryptoCipher.Aes256);
        var frame = Seal(protector, SampleHeader, Payload(50));
        for (var length = 0; length < frame.Length; length++)
        {
            var reason = Open(protector, frame[..length]);
            Assert.That(reason, Is.EqualTo(FrameDropReason.Truncated).Or.EqualTo(FrameDropReason.BadTag), $"length {length}");
        }
    }

    [Test]
    public void Without_a_hash_a_cut_body_is_truncated_and_extra_bytes_are_malformed()
    {
        using var protector = Protector(CryptoHash.None, CryptoCipher.None);
        var frame = Seal(protector, SampleHeader, Payload(50));
        for (var length = FrameLayout.HeaderSize; length < frame.Length; length++)
        {
            Assert.That(Open(protector, frame[..length]), Is.EqualTo(FrameDropReason.Truncated), $"length {length}");
        }

        Assert.That(Open(protector, [.. frame, 0]), Is.EqualTo(FrameDropReason.Malformed));
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void Datagrams_above_the_maximum_frame_size_are_oversize(CryptoHash hash, CryptoCipher cipher)
    {
        using var protector = Protector(hash, cipher);
        var frame = Seal(protector, SampleHeader, Payload(10));
        var big = new byte[FrameLayout.MaxFrameSize + 1];
        frame.CopyTo(big, 0);
        Assert.That(Open(protector, big), Is.EqualTo(FrameDropReason.Oversize));
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void An_unknown_version_is_unsupported(CryptoHash hash, CryptoCipher cipher)
    {
        using var protector = Protector(hash, cipher);
        var frame = Seal(protector, SampleHeader, Payload(10));
        foreach (var version in new byte[] { 0, 1, 3, 0xFF })
        {
            frame[0] = version;
            Assert.That(Open(protector, frame), Is.EqualTo(FrameDropReason.UnsupportedVersion));
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.AuthenticatedCases))]
    public void Every_flipped_bit_is_dropped_for_the_reason_of_its_field(CryptoHash hash, CryptoCipher cipher)
    {
        using var sender = Protector(hash, cipher);
        using var receiver = Protector(hash, cipher);
        var original = Seal(sender, SampleHeader, Payload(40));
        var frame = new byte[original.Length];

        for (var bit = 0; bit < original.Length * 8; bit++)
        {
            original.CopyTo(frame, 0);
            var index = bit / 8;
            frame[index] ^= (byte)(1 << (bit % 8));

            FrameDropReason? expected = index switch
            {
                FrameLayout.VersionOffset => FrameDropReason.UnsupportedVersion,
                FrameLayout.HashOffset or FrameLayout.CipherOffset => FrameDropReason.CryptoMismatch,
                >= FrameLayout.ClusterIdOffset and < FrameLayout.NodeIdOffset => FrameDropReason.WrongCluster,

                // A multicast frame's ring number is outside the tag (it may be sent on every ring): any ring 0-7 opens.
                FrameLayout.RingOffset => frame[index] < 8 ? null : FrameDropReason.Malformed,
                _ => FrameDropReason.BadTag,
            };
            Assert.That(Open(receiver, frame), Is.EqualTo(expected), $"bit {bit % 8} of byte {index}");
        }

        Assert.That(Open(receiver, original), Is.Null, "the untouched frame still opens");
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.AuthenticatedCases))]
    public void A_frame_sealed_once_opens_on_every_ring_with_only_its_ring_number_changed(CryptoHash hash, CryptoCipher cipher)
    {
        using var sender = Protector(hash, cipher);
        using var receiver = Protector(hash, cipher);
        foreach (var type in Enum.GetValues<FrameType>().Where(t => !FrameLayout.IsRingBound(t)))
        {
            var sealedOnce = Seal(sender, SampleHeader with { Type = type, RingNumber = 0 }, Payload(60));
            for (byte ring = 0; ring < 8; ring++)
            {
                var copy = (byte[])sealedOnce.Clone();
                copy[FrameLayout.RingOffset] = ring;
                Assert.That(receiver.TryOpen(copy, out var header, out _, out var reason), Is.True, $"{type} on ring {ring}: {reason}");
                Assert.That(header, Is.EqualTo(SampleHeader with { Type = type, RingNumber = ring }));
            }
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.AuthenticatedCases))]
    public void A_ring_probe_moved_to_another_ring_has_a_bad_tag(CryptoHash hash, CryptoCipher cipher)
    {
        using var sender = Protector(hash, cipher);
        using var receiver = Protector(hash, cipher);
        foreach (var type in new[] { FrameType.RingProbe, FrameType.RingProbeReply })
        {
            var probe = Seal(sender, SampleHeader with { Type = type, RingNumber = 1 }, Payload(4));
            Assert.That(Open(receiver, probe), Is.Null, $"{type} on its own ring");
            for (byte ring = 0; ring < 8; ring++)
            {
                if (ring == 1)
                {
                    continue;
                }

                var moved = (byte[])probe.Clone();
                moved[FrameLayout.RingOffset] = ring;
                Assert.That(Open(receiver, moved), Is.EqualTo(FrameDropReason.BadTag), $"{type} moved to ring {ring}");
            }
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.AuthenticatedCases))]
    public void Changing_the_type_between_a_ring_bound_and_a_multi_ring_one_has_a_bad_tag(CryptoHash hash, CryptoCipher cipher)
    {
        using var sender = Protector(hash, cipher);
        using var receiver = Protector(hash, cipher);
        var multicast = Seal(sender, SampleHeader with { Type = FrameType.Multicast, RingNumber = 0 }, Payload(4));
        multicast[FrameLayout.TypeOffset] = (byte)FrameType.RingProbe;
        var probe = Seal(sender, SampleHeader with { Type = FrameType.RingProbe, RingNumber = 0 }, Payload(4));
        probe[FrameLayout.TypeOffset] = (byte)FrameType.Multicast;
        Assert.Multiple(() =>
        {
            Assert.That(Open(receiver, multicast), Is.EqualTo(FrameDropReason.BadTag));
            Assert.That(Open(receiver, probe), Is.EqualTo(FrameDropReason.BadTag));
        });
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.AuthenticatedCases))]
    public void A_frame_sealed_with_another_authkey_has_a_bad_tag(CryptoHash hash, CryptoCipher cipher)
    {
        using var otherKey = Authkey.Generate();
        using var sender = Protector(hash, cipher, key: otherKey);
        using var receiver = Protector(hash, cipher);
        Assert.That(Open(receiver, Seal(sender, SampleHeader, Payload(33))), Is.EqualTo(FrameDropReason.BadTag));
    }

    [Test]
    public void A_forged_frame_with_a_plausible_header_and_a_guessed_tag_has_a_bad_tag()
    {
        using var receiver = Protector(CryptoHash.Sha256, CryptoCipher.None);
        using var unauthenticated = Protector(CryptoHash.None, CryptoCipher.None);
        var plain = Seal(unauthenticated, SampleHeader, Payload(20));
        plain[FrameLayout.HashOffset] = (byte)CryptoHash.Sha256;
        byte[] forged = [.. plain, .. new byte[32]];
        Assert.That(Open(receiver, forged), Is.EqualTo(FrameDropReason.BadTag));
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void A_frame_of_another_cluster_is_wrong_cluster(CryptoHash hash, CryptoCipher cipher)
    {
        using var sender = Protector(hash, cipher, cluster: "othercluster");
        using var receiver = Protector(hash, cipher);
        Assert.That(Open(receiver, Seal(sender, SampleHeader, Payload(33))), Is.EqualTo(FrameDropReason.WrongCluster));
    }

    [TestCase(CryptoHash.Sha256, CryptoCipher.Aes256, CryptoHash.Sha256, CryptoCipher.Aes128)]
    [TestCase(CryptoHash.Sha256, CryptoCipher.Aes256, CryptoHash.Sha256, CryptoCipher.None)]
    [TestCase(CryptoHash.Sha256, CryptoCipher.None, CryptoHash.Sha256, CryptoCipher.Aes192)]
    [TestCase(CryptoHash.Sha1, CryptoCipher.None, CryptoHash.Sha256, CryptoCipher.None)]
    [TestCase(CryptoHash.Sha512, CryptoCipher.Aes256, CryptoHash.Sha256, CryptoCipher.Aes256)]
    [TestCase(CryptoHash.None, CryptoCipher.None, CryptoHash.Sha256, CryptoCipher.None)]
    [TestCase(CryptoHash.Sha384, CryptoCipher.None, CryptoHash.None, CryptoCipher.None)]
    public void A_frame_sealed_with_other_crypto_settings_is_a_crypto_mismatch(CryptoHash senderHash, CryptoCipher senderCipher, CryptoHash receiverHash, CryptoCipher receiverCipher)
    {
        using var sender = Protector(senderHash, senderCipher);
        using var receiver = Protector(receiverHash, receiverCipher);
        Assert.That(Open(receiver, Seal(sender, SampleHeader, Payload(100))), Is.EqualTo(FrameDropReason.CryptoMismatch));
    }

    [TestCase(FrameLayout.TypeOffset, (byte)0, FrameDropReason.Malformed)]
    [TestCase(FrameLayout.TypeOffset, (byte)9, FrameDropReason.Malformed)]
    [TestCase(FrameLayout.FlagsOffset, (byte)1, FrameDropReason.Malformed)]
    [TestCase(FrameLayout.RingOffset, (byte)8, FrameDropReason.Malformed)]
    [TestCase(FrameLayout.BodyLengthOffset + 1, (byte)9, FrameDropReason.Malformed)]
    [TestCase(FrameLayout.BodyLengthOffset + 1, (byte)11, FrameDropReason.Truncated)]
    [TestCase(FrameLayout.HashOffset, (byte)2, FrameDropReason.CryptoMismatch)]
    [TestCase(FrameLayout.CipherOffset, (byte)3, FrameDropReason.CryptoMismatch)]
    [TestCase(FrameLayout.ClusterIdOffset, (byte)0x5A, FrameDropReason.WrongCluster)]
    public void Unauthenticated_frames_still_have_their_header_checked(int offset, byte value, FrameDropReason expected)
    {
        using var protector = Protector(CryptoHash.None, CryptoCipher.None);
        var frame = Seal(protector, SampleHeader, Payload(10));
        Assume.That(frame[offset], Is.Not.EqualTo(value));
        frame[offset] = value;
        Assert.That(Open(protector, frame), Is.EqualTo(expected));
    }

    [TestCase(new byte[] { 0x00 })]
    [TestCase(new byte[] { 0x11 })]
    [TestCase(new byte[] { 0x01, 0x02 })]
    [TestCase(new byte[] { 0x03, 0x02, 0x03 })]
    public void An_authentic_frame_with_bad_padding_is_malformed(byte[] tail)
    {
        using var protector = Protector(CryptoHash.Sha256, CryptoCipher.Aes256);
        using var crypto = FrameCrypto.Create(provider, CryptoHash.Sha256, CryptoCipher.Aes256, _key.Bytes, System.Text.Encoding.UTF8.GetBytes(Cluster));

        // Two blocks of plaintext whose last bytes are not valid PKCS#7 padding, encrypted without padding
        // (the first 32 bytes of the padded ciphertext of 32 bytes), then tagged properly.
        var plain = Payload(32);
        tail.CopyTo(plain, 32 - tail.Length);
        var iv = Payload(16, 99);
        var padded = new byte[48];
        crypto.EncryptCbcPkcs7(iv, plain, padded);

        var frame = new byte[32 + 16 + 32 + 32];
        Seal(protector, SampleHeader, Payload(31)).AsSpan(0, 32).CopyTo(frame);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(FrameLayout.BodyLengthOffset), 48);
        iv.CopyTo(frame, 32);
        padded.AsSpan(0, 32).CopyTo(frame.AsSpan(48));
        TagAsSent(crypto, frame, 80);

        Assert.That(Open(protector, frame), Is.EqualTo(FrameDropReason.Malformed));
    }

    [Test]
    public void An_authentic_encrypted_body_that_is_not_whole_blocks_is_malformed()
    {
        using var protector = Protector(CryptoHash.Sha256, CryptoCipher.Aes128);
        using var crypto = FrameCrypto.Create(provider, CryptoHash.Sha256, CryptoCipher.Aes128, _key.Bytes, System.Text.Encoding.UTF8.GetBytes(Cluster));
        foreach (var bodyLength in new[] { 0, 16, 17, 40 })
        {
            var frame = new byte[32 + bodyLength + 32];
            Seal(protector, SampleHeader, []).AsSpan(0, 32).CopyTo(frame);
            BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(FrameLayout.BodyLengthOffset), (ushort)bodyLength);
            TagAsSent(crypto, frame, 32 + bodyLength);
            Assert.That(Open(protector, frame), Is.EqualTo(FrameDropReason.Malformed), $"body {bodyLength}");
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void Random_bytes_never_throw_and_are_never_accepted_when_authenticated(CryptoHash hash, CryptoCipher cipher)
    {
        using var protector = Protector(hash, cipher);
        var random = new Random(20261201 + ((int)hash * 10) + (int)cipher);
        var valid = Seal(protector, SampleHeader, Payload(200));
        var accepted = 0;
        for (var i = 0; i < 10_000; i++)
        {
            byte[] frame;
            switch (i % 3)
            {
                case 0:
                    frame = new byte[random.Next(0, 400)];
                    random.NextBytes(frame);
                    break;
                case 1:
                    // Random bytes behind a plausible header: version, our ids and our cluster.
                    frame = new byte[random.Next(FrameLayout.HeaderSize, 400)];
                    random.NextBytes(frame);
                    valid.AsSpan(0, 8).CopyTo(frame);
                    break;
                default:
                    // A valid frame with a few random bytes changed.
                    frame = (byte[])valid.Clone();
                    for (var n = random.Next(1, 4); n > 0; n--)
                    {
                        frame[random.Next(frame.Length)] = (byte)random.Next(256);
                    }

                    break;
            }

            if (protector.TryOpen(frame, out _, out var range, out _))
            {
                accepted++;
                Assert.That(range.GetOffsetAndLength(frame.Length).Offset, Is.GreaterThanOrEqualTo(FrameLayout.HeaderSize));
            }
        }

        if (hash != CryptoHash.None)
        {
            // Case 2 can leave a frame unchanged (a byte replaced by itself); nothing else may pass.
            Assert.That(accepted, Is.LessThan(40));
        }
    }

    [TestCaseSource(typeof(CryptoCombinations), nameof(CryptoCombinations.ValidCases))]
    public void Seal_and_open_allocate_nothing_in_steady_state(CryptoHash hash, CryptoCipher cipher)
    {
        using var protector = Protector(hash, cipher);
        var payload = Payload(1024);
        var frame = new byte[protector.GetSealedLength(payload.Length)];
        var opened = 0;
        var allocated = AllocationProbe.SteadyStateBytes(() =>
        {
            for (var i = 0; i < 200; i++)
            {
                protector.Seal(SampleHeader, payload, frame);
                opened += protector.TryOpen(frame, out _, out _, out _) ? 1 : 0;
            }
        });

        Assert.That(opened, Is.EqualTo(6 * 200));
        Assert.That(allocated, Is.Zero);
    }

    [Test]
    public void Seal_refuses_a_small_destination_an_overlapping_payload_and_a_bad_header()
    {
        using var protector = Protector(CryptoHash.Sha256, CryptoCipher.Aes256);
        var payload = Payload(10);
        var length = protector.GetSealedLength(payload.Length);
        Assert.Throws<ArgumentException>(() => protector.Seal(SampleHeader, payload, new byte[length - 1]));

        var shared = new byte[length + 10];
        new Random(3).NextBytes(shared);
        var before = (byte[])shared.Clone();
        Assert.Throws<ArgumentException>(() => protector.Seal(SampleHeader, shared.AsSpan(length - 20, 10), shared));
        Assert.Throws<ArgumentException>(() => protector.Seal(SampleHeader, shared.AsSpan(40, 10), shared));
        Assert.That(shared, Is.EqualTo(before), "a refused seal writes nothing, not even the IV");
        Assert.Throws<ArgumentException>(() => protector.Seal(SampleHeader with { Type = (FrameType)99 }, payload, new byte[length]));
        Assert.Throws<ArgumentOutOfRangeException>(() => protector.Seal(SampleHeader with { RingNumber = 8 }, payload, new byte[length]));
    }

    [TestCase(CryptoHash.Sha256, CryptoCipher.Aes256)]
    [TestCase(CryptoHash.Sha512, CryptoCipher.None)]
    public async Task One_sealing_thread_and_one_opening_thread_may_share_an_instance(CryptoHash hash, CryptoCipher cipher)
    {
        using var shared = Protector(hash, cipher);
        using var peer = Protector(hash, cipher);
        var payload = Payload(700);
        var incoming = Enumerable.Range(0, 2000).Select(i => Seal(peer, SampleHeader with { Sequence = (ulong)i }, payload)).ToArray();

        var sealing = Task.Run(() =>
        {
            var frame = new byte[shared.GetSealedLength(payload.Length)];
            var good = 0;
            for (var i = 0; i < incoming.Length; i++)
            {
                shared.Seal(SampleHeader with { Sequence = (ulong)i }, payload, frame);
                good += peer.TryOpen(frame, out var header, out var range, out _) && header.Sequence == (ulong)i && frame.AsSpan()[range].SequenceEqual(payload) ? 1 : 0;
            }

            return good;
        });
        var opening = Task.Run(() =>
        {
            var good = 0;
            foreach (var frame in incoming)
            {
                good += shared.TryOpen(frame, out _, out var range, out _) && frame.AsSpan()[range].SequenceEqual(payload) ? 1 : 0;
            }

            return good;
        });

        Assert.That(await sealing, Is.EqualTo(incoming.Length));
        Assert.That(await opening, Is.EqualTo(incoming.Length));
    }

    [Test]
    public void A_disposed_protector_refuses_to_work()
    {
        var protector = Protector(CryptoHash.Sha256, CryptoCipher.Aes256);
        var frame = Seal(protector, SampleHeader, Payload(10));
        protector.Dispose();
        Assert.Throws<ObjectDisposedException>(() => protector.Seal(SampleHeader, Payload(10), new byte[200]));
        Assert.Throws<ObjectDisposedException>(() => protector.TryOpen(frame, out _, out _, out _));
    }
}
