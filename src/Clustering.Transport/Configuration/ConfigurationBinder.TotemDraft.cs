using Clustering.Transport.Redundancy;
using Clustering.Transport.Security;

namespace Clustering.Transport.Configuration;

/// <summary>The totem values read so far; several totem sections merge into one draft.</summary>
internal sealed partial class ConfigurationBinder
{
    private sealed class TotemDraft
    {
        public int Version { get; set; } = 2;

        public string? ClusterName { get; set; }

        public ulong ConfigVersion { get; set; }

        public bool? SecAuth { get; set; }

        public CryptoHash? Hash { get; set; }

        public CryptoCipher? Cipher { get; set; }

        public string? KeyFile { get; set; }

        public TransportKind Transport { get; set; }

        public int NetMtu { get; set; } = 1500;

        public int Threads { get; set; }

        public uint? NodeId { get; set; }

        public bool ClearNodeHighBit { get; set; }

        public RrpMode? RrpMode { get; set; }

        public TimeSpan? ProblemCountTimeout { get; set; }

        public int? ProblemCountThreshold { get; set; }

        public int? ProblemCountMcastThreshold { get; set; }

        public TimeSpan? TokenExpiredTimeout { get; set; }

        public TimeSpan? AutorecoveryCheckTimeout { get; set; }

        public TimingsDraft Timings { get; } = new();

        public List<InterfaceOptions> Interfaces { get; } = [];

        public TotemOptions Build(List<NodeOptions> nodes, ConfigurationBinder binder)
        {
            var timings = Timings.Build();
            var ordered = Interfaces.OrderBy(i => i.RingNumber).ToList();
            if (!ordered.SequenceEqual(Interfaces))
            {
                // Keep positions aligned with the sorted list for error reporting.
                var sections = binder._interfaceSections.Zip(Interfaces).OrderBy(p => p.Second.RingNumber).Select(p => p.First).ToList();
                binder._interfaceSections.Clear();
                binder._interfaceSections.AddRange(sections);
            }

            var nodeCount = nodes.Count;
            var ringCount = ordered.Count > 0 ? ordered.Count : nodes.Count == 0 ? 0 : nodes.Max(n => n.RingAddresses.Count);
            var mode = RrpMode ?? Redundancy.RrpMode.None;
            if (mode != Redundancy.RrpMode.None && ringCount == 1)
            {
                var at = binder._positions.GetValueOrDefault("totem.rrp_mode");
                if (at is not null)
                {
                    binder.Warn(at, "totem.rrp_mode", $"rrp_mode {mode.ToString().ToLowerInvariant()} with one ring: none is used, as Corosync does");
                }

                mode = Redundancy.RrpMode.None;
            }

            var defaults = new RedundancyOptions();
            var redundancy = new RedundancyOptions
            {
                Mode = mode,
                ProblemCountTimeout = ProblemCountTimeout ?? defaults.ProblemCountTimeout,
                ProblemCountThreshold = ProblemCountThreshold ?? defaults.ProblemCountThreshold,
                ProblemCountMulticastThreshold = ProblemCountMcastThreshold,
                TokenExpiredTimeout = TokenExpiredTimeout ?? timings.Effective(nodeCount).TokenRetransmit,
                AutorecoveryCheckTimeout = AutorecoveryCheckTimeout ?? defaults.AutorecoveryCheckTimeout,
            };

            return new TotemOptions
            {
                Version = Version,
                ClusterName = ClusterName,
                ConfigVersion = ConfigVersion,
                CryptoHash = Hash ?? (SecAuth == true ? CryptoHash.Sha256 : CryptoHash.None),
                CryptoCipher = Cipher ?? (SecAuth == true ? CryptoCipher.Aes256 : CryptoCipher.None),
                KeyFile = KeyFile,
                Transport = Transport,
                NetMtu = NetMtu,
                Threads = Threads,
                NodeId = NodeId,
                ClearNodeHighBit = ClearNodeHighBit,
                Redundancy = redundancy,
                Timings = timings,
                Interfaces = ordered.AsReadOnly(),
            };
        }
    }

    private sealed class TimingsDraft
    {
        private static readonly TotemTimings Defaults = new();

        public TimeSpan Token { get; set; } = Defaults.Token;

        public TimeSpan TokenCoefficient { get; set; } = Defaults.TokenCoefficient;

        public TimeSpan? TokenRetransmit { get; set; }

        public TimeSpan? Hold { get; set; }

        public int TokenRetransmitsBeforeLossConst { get; set; } = Defaults.TokenRetransmitsBeforeLossConst;

        public TimeSpan Join { get; set; } = Defaults.Join;

        public TimeSpan SendJoin { get; set; } = Defaults.SendJoin;

        public TimeSpan? Consensus { get; set; }

        public TimeSpan Merge { get; set; } = Defaults.Merge;

        public TimeSpan Downcheck { get; set; } = Defaults.Downcheck;

        public int FailRecvConst { get; set; } = Defaults.FailRecvConst;

        public int SeqnoUnchangedConst { get; set; } = Defaults.SeqnoUnchangedConst;

        public int HeartbeatFailuresAllowed { get; set; } = Defaults.HeartbeatFailuresAllowed;

        public TimeSpan MaxNetworkDelay { get; set; } = Defaults.MaxNetworkDelay;

        public int WindowSize { get; set; } = Defaults.WindowSize;

        public int MaxMessages { get; set; } = Defaults.MaxMessages;

        public int MissCountConst { get; set; } = Defaults.MissCountConst;

        public TotemTimings Build() => new()
        {
            Token = Token,
            TokenCoefficient = TokenCoefficient,
            TokenRetransmit = TokenRetransmit,
            Hold = Hold,
            TokenRetransmitsBeforeLossConst = TokenRetransmitsBeforeLossConst,
            Join = Join,
            SendJoin = SendJoin,
            Consensus = Consensus,
            Merge = Merge,
            Downcheck = Downcheck,
            FailRecvConst = FailRecvConst,
            SeqnoUnchangedConst = SeqnoUnchangedConst,
            HeartbeatFailuresAllowed = HeartbeatFailuresAllowed,
            MaxNetworkDelay = MaxNetworkDelay,
            WindowSize = WindowSize,
            MaxMessages = MaxMessages,
            MissCountConst = MissCountConst,
        };
    }
}
