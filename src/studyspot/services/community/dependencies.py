"""Typed dependencies of the community routes: who is asking, and the runtime.

Groups and the inbox act inside the caller's tenant (`Viewer`); the exam communities are
platform-wide and take the principal itself (a student of any tenant, a platform admin).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from studyspot.kit.auth import Principal, require_permission
from studyspot.kit.scope import StaffBranches, scope_dependencies
from studyspot.services.community.access import Viewer
from studyspot.services.community.runtime import Runtime, request_runtime

RuntimeDep = Annotated[Runtime, Depends(request_runtime)]


async def _staff_branches(runtime: RuntimeDep) -> StaffBranches:
    return runtime.upstream.library.staff_library_ids


viewer_with = scope_dependencies(Viewer, _staff_branches)

# Library groups.
GroupsRead = Annotated[Viewer, Depends(viewer_with("communities:read"))]
GroupJoin = Annotated[Viewer, Depends(viewer_with("communities:post"))]
GroupPost = Annotated[Viewer, Depends(viewer_with("communities:post", "communities:create"))]
GroupCreate = Annotated[Viewer, Depends(viewer_with("communities:create"))]
GroupUpdate = Annotated[Viewer, Depends(viewer_with("communities:update"))]
GroupModerate = Annotated[Viewer, Depends(viewer_with("communities:moderate"))]

# The inbox: a student its own conversations, the library side those of its branches.
InboxRead = Annotated[Viewer, Depends(viewer_with("inbox:read", "inbox:read:self"))]
InboxWrite = Annotated[Viewer, Depends(viewer_with("inbox:reply", "inbox:write:self"))]

# Exam communities (platform-wide).
CommunityReader = Annotated[Principal, Depends(require_permission("communities:read"))]
CommunityMemberDep = Annotated[Principal, Depends(require_permission("communities:post"))]
CommunityAdmin = Annotated[Principal, Depends(require_permission("platform_communities:manage"))]
