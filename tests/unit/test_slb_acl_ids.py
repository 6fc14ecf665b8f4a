"""A CLB listener's ACL ids: AclId (split on commas: Alibaba's Terraform provider sends several ACLs as one
comma-joined AclId) and the AclIds.AclId list, in order, once each."""

from __future__ import annotations

from alibabacloud_slb20140515 import models as slb_models

from aliaudit.collectors.slb import _acl_ids


def test_acl_ids_from_both_fields() -> None:
    body = slb_models.DescribeLoadBalancerHTTPListenerAttributeResponseBody(
        acl_id="acl-a, acl-b", acl_ids=slb_models.DescribeLoadBalancerHTTPListenerAttributeResponseBodyAclIds(
            acl_id=["acl-b", "acl-c"]))
    assert _acl_ids(body) == ["acl-a", "acl-b", "acl-c"]
    assert _acl_ids(slb_models.DescribeLoadBalancerHTTPListenerAttributeResponseBody()) == []
