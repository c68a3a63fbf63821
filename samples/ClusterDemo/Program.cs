Console.WriteLine("ClusterDemo: the transport demo arrives with the rings.");
return 0;
