using Clustering.Transport.Security;

namespace Clustering.Transport.Tests.Security;

public sealed class AuthkeyTests
{
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("authkey-tests-").FullName;

    [TearDown]
    public void RemoveDirectory()
    {
        foreach (var file in Directory.EnumerateFiles(_dir))
        {
            File.SetAttributes(file, FileAttributes.Normal);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }

        Directory.Delete(_dir, recursive: true);
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    private string WriteFile(string name, int length, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var path = PathOf(name);
        File.WriteAllBytes(path, new byte[length]);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }

        return path;
    }

    [TestCase(Authkey.MinLength)]
    [TestCase(256)]
    [TestCase(Authkey.MaxLength)]
    public void Generate_save_load_round_trips_the_bytes(int length)
    {
        var path = PathOf("authkey");
        using var key = Authkey.Generate(length);
        key.Save(path);
        using var loaded = Authkey.Load(path);

        Assert.That(loaded.Length, Is.EqualTo(length));
        Assert.That(loaded.Bytes.SequenceEqual(key.Bytes), Is.True);
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(key.Bytes.ToArray()));
    }

    [Test]
    public void The_default_length_is_128_bytes_and_two_keys_differ()
    {
        using var a = Authkey.Generate();
        using var b = Authkey.Generate();
        Assert.That(a.Length, Is.EqualTo(128));
        Assert.That(a.Bytes.SequenceEqual(b.Bytes), Is.False);
        Assert.That(a.Bytes.ToArray().Distinct().Count(), Is.GreaterThan(32), "random bytes, not a constant");
    }

    [Test]
    [Platform("Linux,MacOsX")]
    public void Save_writes_mode_0400_and_leaves_no_temporary_file()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file modes only.");
            return;
        }

        var path = PathOf("authkey");
        using var key = Authkey.Generate();
        key.Save(path);

        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead));
        Assert.That(Directory.GetFiles(_dir), Is.EqualTo(new[] { path }));
    }

    [Test]
    public void Save_refuses_to_overwrite_unless_asked()
    {
        var path = PathOf("authkey");
        using var first = Authkey.Generate();
        using var second = Authkey.Generate();
        first.Save(path);

        var e = Assert.Throws<AuthkeyException>(() => second.Save(path));
        Assert.That(e!.Problem, Is.EqualTo(AuthkeyProblem.AlreadyExists));
        Assert.That(e.Path, Is.EqualTo(path));
        Assert.That(e.Message, Does.Contain(path).And.Contain("already exists"));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(first.Bytes.ToArray()), "the old key is untouched");

        second.Save(path, overwrite: true);
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(second.Bytes.ToArray()));
        Assert.That(Directory.GetFiles(_dir), Has.Length.EqualTo(1));
    }

    [Test]
    public void Save_into_a_missing_directory_is_a_typed_error()
    {
        var path = Path.Combine(_dir, "no-such-dir", "authkey");
        using var key = Authkey.Generate();
        var e = Assert.Throws<AuthkeyException>(() => key.Save(path));
        Assert.That(e!.Problem, Is.EqualTo(AuthkeyProblem.Unreadable));
        Assert.That(e.Message, Does.Contain(path));
    }

    [Test]
    public void Load_of_a_missing_file_names_it()
    {
        var path = PathOf("missing");
        var e = Assert.Throws<AuthkeyException>(() => Authkey.Load(path));
        Assert.That(e!.Problem, Is.EqualTo(AuthkeyProblem.Missing));
        Assert.That(e.Path, Is.EqualTo(path));
        Assert.That(e.Message, Does.Contain(path).And.Contain("does not exist"));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(Authkey.MinLength - 1)]
    [TestCase(Authkey.MaxLength + 1)]
    [TestCase(100_000)]
    public void Load_refuses_a_wrong_size(int length)
    {
        var path = WriteFile("authkey", length);
        var e = Assert.Throws<AuthkeyException>(() => Authkey.Load(path));
        Assert.That(e!.Problem, Is.EqualTo(AuthkeyProblem.WrongSize));
        Assert.That(e.Message, Does.Contain(path).And.Contain($"{length} bytes").And.Contain("128 to 4096"));
    }

    [TestCase(UnixFileMode.UserRead | UnixFileMode.GroupRead)]
    [TestCase(UnixFileMode.UserRead | UnixFileMode.OtherRead)]
    [TestCase(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead)]
    [TestCase(UnixFileMode.UserRead | UnixFileMode.OtherWrite)]
    [Platform("Linux,MacOsX")]
    public void Load_refuses_a_file_group_or_others_can_access(UnixFileMode mode)
    {
        var path = WriteFile("authkey", 128, mode);
        var e = Assert.Throws<AuthkeyException>(() => Authkey.Load(path));
        Assert.That(e!.Problem, Is.EqualTo(AuthkeyProblem.UnsafePermissions));
        Assert.That(e.Message, Does.Contain(path).And.Contain("chmod 0400"));

        using var allowed = Authkey.Load(path, new AuthkeyLoadOptions { AllowGroupOrOtherAccess = true });
        Assert.That(allowed.Length, Is.EqualTo(128));
    }

    [TestCase(UnixFileMode.UserRead)]
    [TestCase(UnixFileMode.UserRead | UnixFileMode.UserWrite)]
    [Platform("Linux,MacOsX")]
    public void Load_accepts_a_file_private_to_its_owner(UnixFileMode mode)
    {
        var path = WriteFile("authkey", 200, mode);
        using var key = Authkey.Load(path);
        Assert.That(key.Length, Is.EqualTo(200));
    }

    [Test]
    public void Load_of_a_directory_is_a_typed_error()
    {
        var e = Assert.Throws<AuthkeyException>(() => Authkey.Load(_dir));
        Assert.That(e!.Problem, Is.EqualTo(AuthkeyProblem.Unreadable));
        Assert.That(e.Message, Does.Contain(_dir));
    }

    [Test]
    public void FromBytes_copies_and_checks_the_length()
    {
        var bytes = new byte[160];
        new Random(1).NextBytes(bytes);
        using var key = Authkey.FromBytes(bytes);
        bytes[0] ^= 0xFF;
        Assert.That(key.Bytes[0], Is.Not.EqualTo(bytes[0]), "the key holds its own copy");
        Assert.Throws<ArgumentException>(() => Authkey.FromBytes(new byte[127]));
        Assert.Throws<ArgumentException>(() => Authkey.FromBytes(new byte[4097]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Authkey.Generate(127));
        Assert.Throws<ArgumentOutOfRangeException>(() => Authkey.Generate(4097));
    }

    [Test]
    public void Dispose_zeroes_the_key_and_blocks_further_use()
    {
        var key = Authkey.Generate();
        var field = typeof(Authkey).GetField("_key", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!;
        var array = (byte[])field.GetValue(key)!;
        Assume.That(array.Any(b => b != 0), Is.True);

        key.Dispose();

        Assert.That(array.All(b => b == 0), Is.True);
        Assert.Throws<ObjectDisposedException>(() => _ = key.Bytes.Length);
        Assert.Throws<ObjectDisposedException>(() => key.Save(PathOf("authkey")));
    }
}
